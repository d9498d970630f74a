package qiscus.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.core.BackupStage
import qiscus.examples.backup.backup
import qiscus.examples.paging.paging

/** The paging and backup examples (examples/kotlin) run once per test run, each on its own emulator. */
class ExamplesTest {
    @Test
    fun `the paging example`() {
        val lines = mutableListOf<String>()
        val s = paging(forceEmulator = true) { lines.add(it) }
        assertEquals(45, s.rooms)
        assertEquals(listOf(20, 20, 5), s.roomPageSizes)
        assertEquals(63, s.comments, "60 comments and 3 posted later")
        assertEquals((59 downTo 55).map { "message $it" }, s.newest)
        assertEquals(listOf("new 2", "new 1", "new 0"), s.sinceLastSeen)
        assertTrue(lines.any { it.startsWith("rooms ending in 5") || it.contains("rooms ending in 5: [") }, lines.joinToString("\n"))
    }

    @Test
    fun `the backup example`() {
        val lines = mutableListOf<String>()
        val s = backup(forceEmulator = true) { lines.add(it) }
        assertEquals(Triple(3L, 1L, 4L), s.imported)
        assertTrue(s.importedUsersExported, "$s")
        assertEquals(3, s.exportedUsers, "a fresh emulator holds only the imported users")
        assertEquals(4L, s.fileRows, "the imported comments")
        assertTrue(s.fileBytes > 0)
        assertEquals(BackupStage.FINISHED, s.stages.last())
        assertTrue(BackupStage.UPLOADING in s.stages && BackupStage.DOWNLOADING in s.stages, "${s.stages}")
        assertTrue(lines.any { it.startsWith("wrote 4 comments") }, lines.joinToString("\n"))
    }
}
