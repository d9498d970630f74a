package qiscus.test

import java.io.File
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.UUID
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import qiscus.Client

/**
 * A `qiscus-emulator` process on a free loopback port, for one test class (or one test).
 *
 * The binary: `QISCUS_EMULATOR_BIN`, else the system property `qiscus.emulatorBin` (set by the
 * pom to the workspace's target/debug/qiscus-emulator, which the build builds), else
 * `target/debug/qiscus-emulator` found upwards from the working directory.
 */
class Emulator private constructor(
    private val process: Process,
    val baseUrl: String,
    val appId: String,
    val secret: String,
) : AutoCloseable {
    private val log = StringBuffer()
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    /** A client of this emulator; the defaults keep failing tests short. */
    fun client(
        secret: String = this.secret,
        timeoutMs: ULong = 10_000uL,
        maxRetries: UInt = 2u,
    ): Client = Client(
        appId = appId,
        secret = secret,
        baseUrl = baseUrl,
        timeoutMs = timeoutMs,
        connectTimeoutMs = 5_000uL,
        maxRetries = maxRetries,
        retryBaseDelayMs = 10uL,
        retryMaxDelayMs = 50uL,
    )

    private fun admin(method: String, path: String, body: String? = null): String {
        val req = HttpRequest.newBuilder(URI.create("$baseUrl/_emulator$path"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body))
            .build()
        val resp = http.send(req, HttpResponse.BodyHandlers.ofString())
        check(resp.statusCode() == 200) { "$method $path: ${resp.statusCode()} ${resp.body()}" }
        return resp.body()
    }

    /** `GET /_emulator/stats`: counters such as `requests`, `rate_limited`, `delayed`. */
    fun stats(): Map<String, Any?> = Json.obj(admin("GET", "/stats"))

    /** The number of `/api` requests received so far. */
    fun requests(): Long = (stats()["requests"] as Double).toLong()

    /** `POST /_emulator/faults` with JSON fields (`error_500`, `rate_limit_429`, `latency`, ...). */
    fun faults(vararg fields: Pair<String, Any>) {
        admin("POST", "/faults", Json.write(fields.toMap()))
    }

    /** Turns every fault off. */
    fun noFaults() = faults("error_500" to 0, "error_503" to 0, "rate_limit_429" to 0, "latency" to 0, "drop_before" to 0, "drop_after" to 0)

    /** The comments the emulator stores for a room (its own view, not the client's). */
    @Suppress("UNCHECKED_CAST")
    fun roomComments(roomId: Long): List<Map<String, Any?>> =
        Json.obj(admin("GET", "/rooms/$roomId/comments"))["comments"] as List<Map<String, Any?>>

    /** What the emulator wrote to stderr (and stdout after the first line). */
    fun log(): String = log.toString()

    override fun close() {
        process.destroy() // SIGTERM: the emulator shuts down gracefully
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            process.waitFor(5, TimeUnit.SECONDS)
        }
    }

    companion object {
        private val counter = AtomicLong()

        /** A unique e-mail address (tests share an emulator). */
        fun email(tag: String = "user"): String =
            "$tag-${counter.incrementAndGet()}-${UUID.randomUUID().toString().take(8)}@example.com"

        fun binary(): File {
            System.getenv("QISCUS_EMULATOR_BIN")?.takeIf { it.isNotBlank() }?.let { return File(it) }
            System.getProperty("qiscus.emulatorBin")?.takeIf { it.isNotBlank() }?.let { return File(it) }
            var dir: File? = File(System.getProperty("user.dir")).absoluteFile
            while (dir != null) {
                val f = File(dir, "target/debug/qiscus-emulator")
                if (f.canExecute()) return f
                dir = dir.parentFile
            }
            error("qiscus-emulator not found: build it with `cargo build -p qiscus-emulator` or set QISCUS_EMULATOR_BIN")
        }

        /** A port that was free a moment ago and on which nothing listens now. */
        fun closedPort(): Int = ServerSocket(0).use { it.localPort }

        /**
         * Starts an emulator with extra command-line arguments; exports take [exportDelayMs] to
         * finish (100 ms keeps the tests short; the emulator's own default is 200).
         */
        fun start(
            appId: String = "emulator",
            secret: String = "emulator-secret",
            vararg extra: String,
            exportDelayMs: Long = 100,
        ): Emulator {
            val bin = binary()
            check(bin.canExecute()) { "not executable: $bin" }
            val cmd = listOf(bin.path, "--addr", "127.0.0.1:0", "--app-id", appId, "--secret", secret, "--export-delay-ms", "$exportDelayMs") + extra
            val process = ProcessBuilder(cmd).redirectErrorStream(true).start()
            val out = process.inputStream.bufferedReader()
            val first = try {
                CompletableFuture.supplyAsync { out.readLine() }.get(30, TimeUnit.SECONDS)
            } catch (e: Exception) {
                process.destroyForcibly()
                throw IllegalStateException("the emulator did not start: $cmd", e)
            }
            check(first != null && first.startsWith("listening on http://")) {
                process.destroyForcibly()
                "unexpected first line from the emulator: $first"
            }
            val emu = Emulator(process, first.removePrefix("listening on ").trim(), appId, secret)
            // Keep draining its output so that it never blocks on a full pipe.
            Thread {
                try {
                    out.forEachLine { emu.log.append(it).append('\n') }
                } catch (_: Exception) {
                }
            }.apply { isDaemon = true; name = "emulator-output" }.start()
            return emu
        }
    }
}
