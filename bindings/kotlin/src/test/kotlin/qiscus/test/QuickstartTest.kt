package qiscus.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.examples.quickstart

/** The example (examples/kotlin/Quickstart.kt) runs once per test run, so that it cannot rot. */
class QuickstartTest {
    @Test
    fun `the quickstart tour runs against its own emulator`() {
        val lines = mutableListOf<String>()
        val summary = quickstart(forceEmulator = true) { lines.add(it) }
        assertEquals(3, summary.users)
        assertEquals(2, summary.rooms)
        // A text, 11 payload types and 3 system events.
        assertEquals(15, summary.comments)
        assertTrue(summary.found >= 2, "$summary")
        assertEquals(summary.comments, summary.exportRows, "the export holds every comment of the tour")
        assertTrue(lines.first().contains("using the emulator"), lines.first())
        assertTrue(lines.any { it.startsWith("export finished: ${summary.exportRows} rows") }, lines.joinToString("\n"))
    }
}
