package qiscus.test

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.Client
import qiscus.ConformanceScenario
import qiscus.commentPages
import qiscus.core.ClientOptions
import qiscus.core.ConformanceCall as C
import qiscus.core.ConformanceOutcome as O
import qiscus.core.ConformanceStep
import qiscus.core.ObservedError
import qiscus.core.QiscusException
import qiscus.exportPages
import qiscus.importPages
import qiscus.parseWebhookEvent
import qiscus.receiveWebhook
import qiscus.roomPages
import qiscus.signWebhookBody
import qiscus.timestampToUnixMillis
import qiscus.verifyWebhookSignature

/**
 * The Kotlin runner of the conformance suite (tests/conformance, issue 9), a mirror of the Rust
 * reference runner (tests/conformance/src/runner.rs): every scenario file, in file-name order,
 * against one emulator reset before each, with the `suspend` form of every call. The engine
 * (`ConformanceScenario`) resolves the steps and checks the expectations; this runner only makes
 * the client, makes the call and maps the error. The transcript goes to
 * `$QISCUS_CONFORMANCE_DIR/kotlin.json` (default `<repo>/target/conformance/kotlin.json`).
 */
class ConformanceTest {
    private val workspace: File = File(System.getProperty("qiscus.workspace") ?: "../..").canonicalFile
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()

    @Test
    fun `every scenario passes and the transcript is written`() {
        val files = File(workspace, "tests/conformance/scenarios").listFiles { f -> f.name.endsWith(".json") }
            ?.sortedBy { it.name }.orEmpty()
        assertTrue(files.isNotEmpty(), "no scenario files under $workspace/tests/conformance/scenarios")
        val transcripts = mutableListOf<String>()
        val failed = mutableListOf<String>()
        // The emulator's defaults, as the Rust runner's (app id, secret, exports finishing in 200 ms).
        Emulator.start(exportDelayMs = 200).use { emu ->
            for (file in files) {
                val answer = admin(emu.baseUrl, "POST", "/_emulator/reset", null)
                check(answer is O.OfEmulatorAnswer && answer.status.toInt() == 200) { "emulator reset: $answer" }
                ConformanceScenario(file.readText(), emu.baseUrl).use { scenario ->
                    while (true) {
                        val step = scenario.nextStep() ?: break
                        try {
                            scenario.recordOk(runBlocking { run(emu, step) })
                        } catch (e: QiscusException) {
                            scenario.recordError(observed(e))
                        }
                    }
                    val failures = scenario.failures()
                    if (failures.isNotEmpty()) failed.add("FAILED ${file.name}:\n  " + failures.joinToString("\n  "))
                    transcripts.add(scenario.transcriptJson())
                }
            }
        }
        val dir = System.getenv("QISCUS_CONFORMANCE_DIR")?.ifEmpty { null }?.let(::File) ?: File(workspace, "target/conformance")
        dir.mkdirs()
        val out = File(dir, "kotlin.json")
        // Each transcript is JSON text already: the document is assembled around them.
        out.writeText(transcripts.joinToString(",\n", "{\"language\": \"kotlin\", \"scenarios\": [\n", "\n]}\n"))
        println("conformance (kotlin): scenarios=${files.size} failed=${failed.size} -> $out")
        failed.forEach(System.err::println)
        assertTrue(failed.isEmpty(), failed.joinToString("\n"))
    }

    /** The step's client: the emulator's URL and secret and no retries, unless the step says otherwise. */
    private fun client(emu: Emulator, o: ClientOptions?): Client = Client(
        appId = emu.appId,
        secret = o?.secret ?: emu.secret,
        baseUrl = o?.baseUrl ?: emu.baseUrl,
        maxRetries = o?.maxRetries ?: 0u,
        retryBaseDelayMs = o?.retryBaseDelayMs ?: 100uL,
        timeoutMs = o?.timeoutMs ?: 30_000uL,
        maxResponseBytes = o?.maxResponseBytes ?: 33_554_432uL,
    )

    /** One step: the calls that need no client, else the step's client and the `suspend` method. */
    private suspend fun run(emu: Emulator, step: ConformanceStep): O {
        when (val call = step.call) {
            is C.SignWebhookBody -> return O.OfText(signWebhookBody(call.token, call.body))
            is C.VerifyWebhookSignature -> {
                verifyWebhookSignature(call.token, call.body, call.signature)
                return O.Done
            }
            is C.ParseWebhookEvent -> return O.OfWebhookEvent(parseWebhookEvent(call.body))
            is C.ReceiveWebhook -> return O.OfWebhookEvent(receiveWebhook(call.token, call.headers, call.body))
            is C.TimestampToUnixMillis -> return O.OfMillis(timestampToUnixMillis(call.timestamp))
            is C.Emulator -> return admin(emu.baseUrl, call.method, call.path, call.bodyJson)
            else -> {}
        }
        return client(emu, step.client).use { c ->
            when (val call = step.call) {
                is C.LoginOrRegister -> O.OfUser(c.loginOrRegister(call.params))
                is C.UserProfile -> O.OfUser(c.userProfile(call.userEmail))
                is C.ResetUserToken -> O.OfUser(c.resetUserToken(call.userEmail))
                is C.GetUserRooms -> O.OfUserRooms(c.getUserRooms(call.params))
                is C.CreateRoom -> O.OfRoomSummary(c.createRoom(call.params))
                is C.UpdateRoom -> O.OfUpdatedRoom(c.updateRoom(call.params))
                is C.GetOrCreateRoomWithTarget -> O.OfRoomWithComments(c.getOrCreateRoomWithTarget(call.emails))
                is C.GetRoomsInfo -> O.OfRoomInfos(c.getRoomsInfo(call.params))
                is C.AddRoomParticipants -> O.OfRoomSummary(c.addRoomParticipants(call.roomId, call.emails))
                is C.RemoveRoomParticipants -> O.OfRoomSummary(c.removeRoomParticipants(call.roomId, call.emails))
                is C.PostComment -> O.OfComment(c.postComment(call.params))
                is C.LoadComments -> O.OfComments(c.loadComments(call.params))
                is C.PostSystemEventMessage -> O.OfComment(c.postSystemEventMessage(call.params))
                is C.SearchMessages -> O.OfComments(c.searchMessages(call.params))
                is C.CreateExport -> O.OfExport(c.createExport(call.params))
                is C.ListExports -> O.OfExports(c.listExports(call.page))
                is C.GetExport -> O.OfExport(c.getExport(call.uniqueId))
                is C.DeleteExport -> O.OfExport(c.deleteExport(call.uniqueId))
                is C.DownloadExport -> O.OfRows(c.downloadExport(call.export))
                is C.CreateImport -> O.OfImport(c.createImport(call.params))
                is C.ListImports -> O.OfImports(c.listImports(call.page))
                is C.ExportAndDownload -> O.OfBackupRows(
                    c.exportAndDownload(call.resource, call.startDate, call.endDate, pollIntervalMs = call.pollIntervalMs, timeoutMs = call.timeoutMs),
                )
                is C.ImportRows -> O.OfImportReport(
                    c.importRows(call.batch, maxFileBytes = call.maxFileBytes, pollIntervalMs = call.pollIntervalMs, timeoutMs = call.timeoutMs),
                )
                // Pagers: every page, each fetched with the pager's suspend `nextPage()`.
                is C.RoomsPager -> O.OfRoomPages(c.roomPages(call.userEmail).toList())
                is C.CommentsPager -> O.OfCommentPages(c.commentPages(call.params).toList())
                is C.ExportsPager -> O.OfExportPages(c.exportPages().toList())
                is C.ImportsPager -> O.OfImportPages(c.importPages().toList())
                is C.SignWebhookBody, is C.VerifyWebhookSignature, is C.ParseWebhookEvent, is C.ReceiveWebhook,
                is C.TimestampToUnixMillis, is C.Emulator -> error("answered above")
            }
        }
    }

    /** An admin request; a transport failure is status 0 with the reason as the body. */
    private fun admin(base: String, method: String, path: String, bodyJson: String?): O {
        val request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        if (bodyJson != null) request.header("Content-Type", "application/json")
        val body = if (bodyJson != null) HttpRequest.BodyPublishers.ofString(bodyJson) else HttpRequest.BodyPublishers.noBody()
        request.method(if (method == "POST") "POST" else "GET", body)
        return try {
            val r = http.send(request.build(), HttpResponse.BodyHandlers.ofString())
            O.OfEmulatorAnswer(r.statusCode().toUShort(), r.body())
        } catch (e: java.io.IOException) {
            O.OfEmulatorAnswer(0u, e.toString())
        }
    }

    /** The error as the engine records it: the Rust variant's name and the fields it carries. */
    private fun observed(e: QiscusException): ObservedError {
        val kind = e::class.simpleName!!
        return when (e) {
            is QiscusException.Api -> ObservedError(kind, call = e.call, status = e.status, reason = e.reason, detailedMessages = e.detailedMessages, attempts = e.attempts)
            is QiscusException.Unauthorized -> ObservedError(kind, call = e.call, reason = e.reason, detailedMessages = e.detailedMessages)
            is QiscusException.NotFound -> ObservedError(kind, call = e.call, reason = e.reason, detailedMessages = e.detailedMessages)
            is QiscusException.RateLimited -> ObservedError(kind, call = e.call, reason = e.reason, attempts = e.attempts, retryAfterMs = e.retryAfter?.toMillis()?.toULong())
            is QiscusException.Timeout -> ObservedError(kind, call = e.call, attempts = e.attempts)
            is QiscusException.Connection -> ObservedError(kind, call = e.call, reason = e.reason, attempts = e.attempts)
            is QiscusException.Decode -> ObservedError(kind, call = e.call, reason = e.reason)
            is QiscusException.ResponseTooLarge -> ObservedError(kind, call = e.call, limitBytes = e.limitBytes)
            is QiscusException.InvalidInput -> ObservedError(kind, field = e.field, reason = e.reason)
            is QiscusException.InvalidSignature -> ObservedError(kind, reason = e.reason)
            is QiscusException.Internal -> ObservedError(kind, reason = e.reason)
            is QiscusException.Config -> ObservedError(kind, field = e.field, reason = e.reason)
        }
    }
}
