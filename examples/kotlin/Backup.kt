// Backups and imports: rows imported in one call (validated, split into files, uploaded in order,
// waited for), an export requested, polled, downloaded and typed in one call, and an export
// streamed to a file, each reporting its progress to a BackupProgressListener.
//
// Run it from the repository root (the first run builds the Rust library and the emulator):
//
//     mvn -f bindings/kotlin/pom.xml -q test-compile exec:java -Dexec.mainClass=qiscus.examples.backup.BackupKt
//
// With QISCUS_APP_ID and QISCUS_SECRET set it uses that app (it imports 3 users, a room and 4
// comments there); without them it starts the local emulator and stops it afterwards.
package qiscus.examples.backup

import java.io.File
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.UUID
import kotlinx.coroutines.runBlocking
import qiscus.BackupProgressListener
import qiscus.Client
import qiscus.clientFromEnvironment
import qiscus.core.BackupProgress
import qiscus.core.BackupResource
import qiscus.core.BackupRows
import qiscus.core.BackupStage
import qiscus.core.CommentRow
import qiscus.core.ImportBatch
import qiscus.core.QiscusException
import qiscus.core.RoomRow
import qiscus.core.UserRow
import qiscus.examples.LocalEmulator

/** What the backup tour did, for the test that runs it. */
data class BackupSummary(
    /** Users, rooms and comments imported. */
    val imported: Triple<Long, Long, Long>,
    /** Users in the downloaded export. */
    val exportedUsers: Int,
    /** Whether every imported user is in it. */
    val importedUsersExported: Boolean,
    /** Rows and bytes of the comments export written to a file. */
    val fileRows: Long,
    val fileBytes: Long,
    /** The stages the listener heard, in order, without repeats. */
    val stages: List<BackupStage>,
)

/**
 * A progress listener: a log line per change of stage. It is called from the library's threads,
 * so it only records and prints.
 */
class LogProgress(private val say: (String) -> Unit) : BackupProgressListener {
    /** Every stage heard, in order, repeats removed. */
    val stages = java.util.Collections.synchronizedList(mutableListOf<BackupStage>())

    override fun onProgress(progress: BackupProgress) {
        if (stages.lastOrNull() == progress.stage) return
        stages.add(progress.stage)
        say("  ${progress.resource} ${progress.stage}: ${"%.0f".format(progress.percentage)}%, ${progress.rowsDone} rows")
    }
}

fun main(args: Array<String>) {
    try {
        println("done: ${backup(forceEmulator = "--emulator" in args)}")
    } catch (e: QiscusException) {
        System.err.println("backup failed: ${e::class.simpleName}: ${e.message}")
        kotlin.system.exitProcess(1)
    }
}

/** Runs the tour against the app in the environment, or against a local emulator. */
fun backup(forceEmulator: Boolean = false, say: (String) -> Unit = ::println): BackupSummary {
    // QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL); only one of them set throws
    // QiscusException.Config naming the other.
    val configured = if (forceEmulator) null else clientFromEnvironment()
    if (configured != null) {
        return configured.use {
            runBlocking { backupTour(it, say, pollIntervalMs = 1_000uL) }
        }
    }
    LocalEmulator.start().use { emulator ->
        say("using the emulator at ${emulator.baseUrl}")
        return Client(appId = "emulator", secret = "emulator-secret", baseUrl = emulator.baseUrl)
            .use { runBlocking { backupTour(it, say, pollIntervalMs = 100uL) } }
    }
}

/** The tour: import rows, export and download users, export comments to a file. */
suspend fun backupTour(client: Client, say: (String) -> Unit, pollIntervalMs: ULong): BackupSummary {
    val run = UUID.randomUUID().toString().take(8)
    val progress = LogProgress(say)

    // 1. Import. Rows need only their required fields (the rest default to empty). Everything is
    //    checked against the import rules before anything is sent; rooms go after users, replies
    //    after their parents.
    val emails = listOf("ann", "ben", "cat").map { "$it-$run@example.com" }
    val batch = ImportBatch(
        users = emails.map { UserRow(email = it, name = it.substringBefore('-').replaceFirstChar(Char::uppercase)) },
        rooms = listOf(RoomRow(name = "Imported $run", roomType = "group", creatorEmail = emails[0], uniqueId = "room-$run", participantEmails = emails)),
        comments = listOf(
            CommentRow(message = "welcome", uniqueId = "c1-$run", creatorEmail = emails[0], roomUniqueId = "room-$run"),
            CommentRow(message = "thanks", uniqueId = "c2-$run", creatorEmail = emails[1], roomUniqueId = "room-$run"),
            CommentRow(message = "hello all", uniqueId = "c3-$run", creatorEmail = emails[2], roomUniqueId = "room-$run"),
            CommentRow(
                message = "you're welcome", commentType = "reply", uniqueId = "c4-$run", creatorEmail = emails[0], roomUniqueId = "room-$run",
                // A reply: the spec's payload (replied_comment_id 1, resolved by the server from the parent).
                payload = """{"text":"you're welcome","replied_comment_id":1}""", parentCommentUniqueId = "c2-$run",
            ),
        ),
    )
    say("importing ${batch.users.size} users, ${batch.rooms.size} room, ${batch.comments.size} comments")
    val report = client.importRows(batch, pollIntervalMs = pollIntervalMs, listener = progress)
    say("imported: ${report.usersImported} users, ${report.roomsImported} rooms, ${report.commentsImported} comments in ${report.filesUploaded} files")
    for (e in report.rowErrors) say("  row error in ${e.fileName} row ${e.rowInFile}: ${e.error}")

    // 2. Export the users created between yesterday and tomorrow, wait for it, download it typed.
    val today = LocalDate.now(ZoneOffset.UTC)
    val (from, to) = today.minusDays(1).toString() to today.plusDays(1).toString()
    val users = client.exportAndDownload(BackupResource.USERS, from, to, pollIntervalMs = pollIntervalMs, listener = progress)
    val exported = (users as BackupRows.Users).rows
    say("exported ${exported.size} users")

    // 3. Export the comments straight into a file (never all in memory).
    val file = File.createTempFile("qiscus-comments-", ".json")
    try {
        val written = client.exportToFile(BackupResource.COMMENTS, from, to, file.path, pollIntervalMs = pollIntervalMs, listener = progress)
        say("wrote ${written.rows} comments (${written.bytes} bytes) to ${written.path}")
        return BackupSummary(
            imported = Triple(report.usersImported.toLong(), report.roomsImported.toLong(), report.commentsImported.toLong()),
            exportedUsers = exported.size,
            importedUsersExported = exported.map { it.email }.containsAll(emails),
            fileRows = written.rows.toLong(),
            fileBytes = written.bytes.toLong(),
            stages = progress.stages.toList(),
        )
    } finally {
        file.delete()
    }
}
