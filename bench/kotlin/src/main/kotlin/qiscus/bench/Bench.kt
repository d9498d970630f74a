// Comparison c: the Kotlin package (blocking calls and suspend functions) against
// java.net.http.HttpClient + Jackson, the same requests to the same server in the same run.
//
//   java -cp CLASSPATH qiscus.bench.BenchKt clients --url URL --room N [--secs 2] [--rounds 2] [--only CALL]
//   java -cp CLASSPATH qiscus.bench.BenchKt lift --url URL --room N [--secs 3]   (diagnosis: see liftLoop)
//
// Prints a JSON array of rows (the same keys as bench_python.py and the Rust bench).
//
// Fairness: same method, path, query or JSON body (a fresh unique_temp_id per posted comment on
// both sides) and the same QISCUS_SDK_SECRET / QISCUS_SDK_APP_ID / User-Agent headers; the peer
// checks the status, parses the body with Jackson (`readTree`) and reads the result out of the
// tree, as ours returns records that are read likewise. java.net.http is pinned to HTTP/1.1 (the
// server is plain-http HTTP/1.1; the default HTTP/2 would add an h2c upgrade attempt) and keeps
// its connections (its pool is unbounded). Blocking forms run on platform threads; suspend forms
// as coroutines on Dispatchers.Default. The JVM is warmed up (JIT) on every call before measuring.
package qiscus.bench

import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.node.ObjectNode
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import qiscus.Client
import qiscus.core.FfiConverterSequenceTypeComment
import qiscus.core.LoadCommentsParams
import qiscus.core.LoginOrRegisterParams
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.UUID
import java.util.concurrent.CyclicBarrier
import kotlin.math.roundToInt

const val APP_ID = "emulator"
const val SECRET = "emulator-secret"
const val SENDER = "bench-a@example.com"
const val SENDER_NAME = "Bench A"
const val PASSWORD = "bench-password-1"
const val MESSAGE = "hello from the benchmark"
const val USER_AGENT = "qiscus-rs/0.1.0"
val CALLS = listOf("post_comment", "load_comments_20", "load_comments_100", "login_or_register")

val mapper = ObjectMapper()

class Sample {
    var calls = 0L
    var seconds = 0.0
    val lat = ArrayList<Long>()

    fun add(calls: Long, seconds: Double, lat: List<Long>) {
        this.calls += calls
        this.seconds += seconds
        this.lat.addAll(lat)
    }

    fun rate(): Double = calls / seconds

    fun pctMs(p: Double): Double {
        if (lat.isEmpty()) return Double.NaN
        val s = lat.sorted()
        return s[((s.size - 1) * p).roundToInt()] / 1e6
    }
}

class Run(val calls: Long, val seconds: Double, val lat: List<Long>)

fun runThreads(call: () -> Unit, concurrency: Int, seconds: Double): Run {
    val durationNs = (seconds * 1e9).toLong()
    if (concurrency == 1) {
        val lat = ArrayList<Long>()
        val start = System.nanoTime()
        val deadline = start + durationNs
        while (true) {
            val t = System.nanoTime()
            if (t >= deadline) break
            call()
            lat.add(System.nanoTime() - t)
        }
        return Run(lat.size.toLong(), (System.nanoTime() - start) / 1e9, lat)
    }
    val lats = List(concurrency) { ArrayList<Long>() }
    val errors = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
    val barrier = CyclicBarrier(concurrency + 1)
    var deadline = 0L
    val threads = (0 until concurrency).map { i ->
        Thread {
            barrier.await()
            val mine = lats[i]
            try {
                while (true) {
                    val t = System.nanoTime()
                    if (t >= deadline) break
                    call()
                    mine.add(System.nanoTime() - t)
                }
            } catch (e: Throwable) {
                errors.add(e)
            }
        }.apply { isDaemon = true; start() }
    }
    val start = System.nanoTime()
    deadline = start + durationNs
    barrier.await() // publishes `deadline` to the workers
    threads.forEach { it.join() }
    val elapsed = (System.nanoTime() - start) / 1e9
    errors.peek()?.let { throw it }
    val flat = lats.flatten()
    return Run(flat.size.toLong(), elapsed, flat)
}

fun runCoroutines(call: suspend () -> Unit, concurrency: Int, seconds: Double): Run = runBlocking(Dispatchers.Default) {
    val start = System.nanoTime()
    val deadline = start + (seconds * 1e9).toLong()
    val lats = (0 until concurrency).map {
        async {
            val mine = ArrayList<Long>()
            while (true) {
                val t = System.nanoTime()
                if (t >= deadline) break
                call()
                mine.add(System.nanoTime() - t)
            }
            mine
        }
    }.awaitAll()
    val flat = lats.flatten()
    Run(flat.size.toLong(), (System.nanoTime() - start) / 1e9, flat)
}

class Calls(val client: Client, val http: HttpClient, url: String, val room: Long) {
    /** The peer's calls retried after an IOException (see peerBlocking). */
    val peerRetries = java.util.concurrent.atomic.AtomicLong()
    private val api = url.trimEnd('/') + "/api/v2/rest/"
    private val loginBody = mapper.writeValueAsString(mapOf("email" to SENDER, "username" to SENDER_NAME, "password" to PASSWORD))

    private fun builder(uri: String): HttpRequest.Builder = HttpRequest.newBuilder(URI.create(uri))
        .header("QISCUS_SDK_SECRET", SECRET)
        .header("QISCUS_SDK_APP_ID", APP_ID)
        .header("User-Agent", USER_AGENT)

    private fun postCommentBody(): String {
        val o: ObjectNode = mapper.createObjectNode()
        o.put("sender_email", SENDER)
        o.put("room_id", room.toString())
        o.put("message", MESSAGE)
        o.put("type", "text")
        o.put("unique_temp_id", "kt-" + UUID.randomUUID().toString().replace("-", ""))
        o.put("disable_link_preview", false)
        return mapper.writeValueAsString(o)
    }

    fun peerRequest(call: String): HttpRequest = when (call) {
        "post_comment" -> builder(api + "post_comment").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(postCommentBody())).build()
        "login_or_register" -> builder(api + "login_or_register").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(loginBody)).build()
        "load_comments_20", "load_comments_100" -> {
            val limit = if (call == "load_comments_20") 20 else 100
            builder(api + "load_comments?room_id=" + URLEncoder.encode(room.toString(), Charsets.UTF_8) + "&limit=" + limit).GET().build()
        }
        else -> error(call)
    }

    fun peerRead(call: String, resp: HttpResponse<ByteArray>) {
        if (resp.statusCode() !in 200..299) error("HTTP ${resp.statusCode()}")
        val tree = mapper.readTree(resp.body())
        when (call) {
            "post_comment" -> check(tree["results"]["comment"]["id"].asLong() > 0)
            "login_or_register" -> check(tree["results"]["user"]["id"].asLong() > 0)
            else -> {
                val limit = if (call == "load_comments_20") 20 else 100
                val comments = tree["results"]["comments"]
                check(comments.size() == limit) { "${comments.size()} comments" }
                comments[0]["message"].asText()
            }
        }
    }

    fun oursBlocking(call: String): () -> Unit = when (call) {
        "post_comment" -> { { check(client.postCommentBlocking(PostCommentParams(room, SENDER, MESSAGE, Payload.Text)).id > 0) } }
        "login_or_register" -> { { check(client.loginOrRegisterBlocking(LoginOrRegisterParams(SENDER, SENDER_NAME, PASSWORD)).id > 0) } }
        else -> {
            val limit = if (call == "load_comments_20") 20u else 100u
            {
                val cs = client.loadCommentsBlocking(LoadCommentsParams(room, null, limit))
                check(cs.size == limit.toInt()) { "${cs.size} comments" }
                cs[0].message
            }
        }
    }

    // java.net.http now and then fails a request on a pooled connection that its own pool cleanup
    // closed ("HTTP/1.1 header parser received no bytes ... connection closed locally"), which
    // ended the whole section. The peer retries such a call once, as its user would; the retry's
    // time counts against the peer, and the retries are reported.
    fun peerBlocking(call: String): () -> Unit = {
        val resp = try {
            http.send(peerRequest(call), HttpResponse.BodyHandlers.ofByteArray())
        } catch (e: java.io.IOException) {
            peerRetries.incrementAndGet()
            http.send(peerRequest(call), HttpResponse.BodyHandlers.ofByteArray())
        }
        peerRead(call, resp)
    }

    fun oursSuspend(call: String): suspend () -> Unit = when (call) {
        "post_comment" -> { { check(client.postComment(PostCommentParams(room, SENDER, MESSAGE, Payload.Text)).id > 0) } }
        "login_or_register" -> { { check(client.loginOrRegister(LoginOrRegisterParams(SENDER, SENDER_NAME, PASSWORD)).id > 0) } }
        else -> {
            val limit = if (call == "load_comments_20") 20u else 100u
            {
                val cs = client.loadComments(LoadCommentsParams(room, null, limit))
                check(cs.size == limit.toInt()) { "${cs.size} comments" }
                cs[0].message
            }
        }
    }

    fun peerSuspend(call: String): suspend () -> Unit = {
        val resp = try {
            http.sendAsync(peerRequest(call), HttpResponse.BodyHandlers.ofByteArray()).await()
        } catch (e: java.io.IOException) {
            peerRetries.incrementAndGet()
            http.sendAsync(peerRequest(call), HttpResponse.BodyHandlers.ofByteArray()).await()
        }
        peerRead(call, resp)
    }
}

fun arg(args: Array<String>, name: String): String? = args.indexOf(name).takeIf { it >= 0 }?.let { args.getOrNull(it + 1) }

fun row(form: String, call: String, conc: Int, ours: String, peer: String, o: Sample, p: Sample, peerRetries: Long): Map<String, Any> {
    val name = "kotlin $form vs $peer: $call c=$conc"
    val retried = if (peerRetries > 0) "  (peer: $peerRetries calls retried)" else ""
    System.err.println("  %-62s %8.0f/s vs %8.0f/s  ratio %.2f%s".format(name, o.rate(), p.rate(), o.rate() / p.rate(), retried))
    return linkedMapOf(
        "name" to name, "section" to "c", "form" to form, "call" to call, "concurrency" to conc,
        "ours" to ours, "peer" to peer,
        "ours_calls_per_s" to o.rate(), "peer_calls_per_s" to p.rate(), "ratio" to o.rate() / p.rate(),
        "p50_ms" to o.pctMs(0.5), "p99_ms" to o.pctMs(0.99),
        "peer_p50_ms" to p.pctMs(0.5), "peer_p99_ms" to p.pctMs(0.99),
        "ours_calls" to o.calls, "peer_calls" to p.calls, "peer_retries" to peerRetries,
    )
}

// `lift --url URL --room N [--secs 3]`: diagnosis only, not part of the table. The Kotlin side of
// a load_comments(limit = 100) result on one thread: the 100 comments lowered into a Rust buffer
// and lifted back, in a loop; prints microseconds per round trip.
fun liftLoop(args: Array<String>) {
    val url = arg(args, "--url") ?: error("--url")
    val room = (arg(args, "--room") ?: "1").toLong()
    val secs = (arg(args, "--secs") ?: "3").toDouble()
    val comments = Client(APP_ID, SECRET, url).loadCommentsBlocking(LoadCommentsParams(room, null, 100u))
    val conv = FfiConverterSequenceTypeComment
    fun loop(seconds: Double): Pair<Long, Double> {
        var n = 0L
        val start = System.nanoTime()
        val end = start + (seconds * 1e9).toLong()
        while (System.nanoTime() < end) {
            check(conv.lift(conv.lower(comments)).size == comments.size)
            n++
        }
        return n to (System.nanoTime() - start) / 1e3 / n
    }
    loop(secs)
    val (n, us) = loop(secs)
    println("lower+lift of ${comments.size} comments: %.1f us (%d round trips)".format(us, n))
    // The read alone, from a direct buffer over the lowered bytes and from a heap copy of them.
    val rbuf = conv.lower(comments)
    val direct = rbuf.data!!.getByteBuffer(0, rbuf.len).order(java.nio.ByteOrder.BIG_ENDIAN)
    val heap = java.nio.ByteBuffer.wrap(rbuf.data!!.getByteArray(0, rbuf.len.toInt())).order(java.nio.ByteOrder.BIG_ENDIAN)
    for ((label, buf) in listOf("direct" to direct, "heap" to heap, "direct" to direct, "heap" to heap)) {
        var reads = 0L
        val start = System.nanoTime()
        val end = start + (secs * 1e9).toLong()
        while (System.nanoTime() < end) {
            buf.position(0)
            check(conv.read(buf).size == comments.size)
            reads++
        }
        println("read of ${comments.size} comments from a $label buffer: %.1f us".format((System.nanoTime() - start) / 1e3 / reads))
    }
    println("lowered: ${rbuf.len} bytes")
    check(conv.lift(rbuf).size == comments.size)
    // Calls without I/O: what a call into Rust costs on the Kotlin side.
    val client = Client(APP_ID, SECRET, url)
    val params = LoginOrRegisterParams(SENDER, SENDER_NAME, PASSWORD)
    val user = client.loginOrRegisterBlocking(params)
    val timed = listOf<Pair<String, () -> Any>>(
        "timestampToUnixMillis(String): 1 call" to { qiscus.timestampToUnixMillis("2026-11-26T21:14:23Z")!! },
        "client.appId(): 3 calls (clone handle, call, free)" to { client.appId() },
        "LoginOrRegisterParams lower + lift" to {
            qiscus.core.FfiConverterTypeLoginOrRegisterParams.lift(qiscus.core.FfiConverterTypeLoginOrRegisterParams.lower(params))
        },
        "User lower + lift" to { qiscus.core.FfiConverterTypeUser.lift(qiscus.core.FfiConverterTypeUser.lower(user)) },
    )
    for (round in 0 until 2) {
        for ((label, f) in timed) {
            var k = 0L
            val start = System.nanoTime()
            val end = start + (secs * 1e9).toLong()
            while (System.nanoTime() < end) {
                f()
                k++
            }
            if (round == 1) println("%-52s %.2f us".format(label, (System.nanoTime() - start) / 1e3 / k))
        }
    }
}

fun main(args: Array<String>) {
    if (args.firstOrNull() == "lift") return liftLoop(args)
    require(args.firstOrNull() == "clients") { "usage: clients --url URL --room N [--secs 2] [--rounds 2] [--only CALL] [--forms blocking,coroutines]" }
    val url = arg(args, "--url") ?: error("--url")
    val room = (arg(args, "--room") ?: "1").toLong()
    val secs = (arg(args, "--secs") ?: "2").toDouble()
    val rounds = (arg(args, "--rounds") ?: "2").toInt()
    val only = arg(args, "--only")
    val forms = (arg(args, "--forms") ?: "blocking,coroutines").split(",")
    // For profiling: `--side ours|peer` runs one side only, `--concurrency N` one level only.
    val side = arg(args, "--side")
    val runOurs = side != "peer"
    val runPeer = side != "ours"
    val levels = arg(args, "--concurrency")?.let { listOf(it.toInt()) } ?: listOf(1, 64)
    val warm = 1.0
    val slice = secs / rounds
    val calls = CALLS.filter { only == null || it == only }

    val client = Client(APP_ID, SECRET, url)
    val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
    val c = Calls(client, http, url, room)
    val rows = ArrayList<Map<String, Any>>()

    // JIT warm-up of both sides and both forms on every call (C2 on 2 cores needs seconds: with
    // shorter warm-ups the compiler threads still took a quarter of the CPU during measurement).
    for (call in calls) {
        if (runOurs) runThreads(c.oursBlocking(call), 8, 1.0)
        if (runPeer) runThreads(c.peerBlocking(call), 8, 1.0)
        if (runOurs) runCoroutines(c.oursSuspend(call), 8, 1.0)
        if (runPeer) runCoroutines(c.peerSuspend(call), 8, 1.0)
    }

    // Each form: both sides warmed up, then measured in alternating slices, every call and level.
    fun <T> compare(form: String, names: Pair<String, String>, sides: (String) -> Pair<T, T>, run: (T, Int, Double) -> Run) {
        if (form !in forms) return
        for (conc in levels) for (call in calls) {
            val (ours, peer) = sides(call)
            if (runOurs) run(ours, conc, warm)
            if (runPeer) run(peer, conc, warm)
            val o = Sample()
            val p = Sample()
            val retriesBefore = c.peerRetries.get()
            repeat(rounds) {
                if (runOurs) run(ours, conc, slice).let { o.add(it.calls, it.seconds, it.lat) }
                if (runPeer) run(peer, conc, slice).let { p.add(it.calls, it.seconds, it.lat) }
            }
            val retries = c.peerRetries.get() - retriesBefore
            rows.add(row(form, call, conc, names.first, names.second, o, p, retries))
        }
    }
    compare("blocking", "qiscus *Blocking" to "java.net.http + Jackson", { c.oursBlocking(it) to c.peerBlocking(it) }, ::runThreads)
    compare(
        "coroutines",
        "qiscus suspend" to "java.net.http sendAsync + Jackson",
        { c.oursSuspend(it) to c.peerSuspend(it) },
        ::runCoroutines,
    )
    client.close()
    println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows))
}
