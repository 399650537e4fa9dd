package io.kubevaultauthrenewer.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * A peer that a socket timeout alone cannot bound, on a real socket (plain, or TLS with a {@link TestPki}'s
 * certificate): it reads the request's head, then answers in one of three hostile ways. Not an emulator of Vault or of
 * the API server: it stands for a broken proxy or a slow-loris on the way, which either may sit behind.
 */
public final class HostilePeer implements AutoCloseable {

    /** The three behaviours. */
    public enum Mode {
        /** A 200's headers, then one byte of the body a second: each read is quick, the answer never ends. */
        DRIPS,
        /** A 200 announcing 10 GiB (Content-Length), then zeros as fast as the socket takes them. */
        FLOODS,
        /** Accepts the connection, reads the request, never answers. */
        SILENT
    }

    public static final long TEN_GIB = 10L * 1024 * 1024 * 1024;

    private final Mode mode;
    private final ServerSocket server;
    private final AtomicLong bodyBytesWritten = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean stopped;

    private HostilePeer(Mode mode, ServerSocket server) {
        this.mode = mode;
        this.server = server;
        Thread acceptor = new Thread(this::accept, "hostile-peer-" + mode);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Plain HTTP on 127.0.0.1, any free port. */
    public static HostilePeer start(Mode mode) {
        try {
            return new HostilePeer(mode, new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HTTPS on 127.0.0.1 with the server certificate of {@code pki}. */
    public static HostilePeer startTls(Mode mode, TestPki pki) {
        SSLContext tls = pki.serverContext();
        try {
            return new HostilePeer(
                    mode, tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The bytes of body written so far (what the client could have read). */
    public long bodyBytesWritten() {
        return bodyBytesWritten.get();
    }

    /** The requests whose head was read. */
    public int requests() {
        return requests.get();
    }

    /** Waits until the client has closed (or cut) the connection of the call under way. */
    public boolean awaitClientGone(long seconds) throws InterruptedException {
        return closed.await(seconds, TimeUnit.SECONDS);
    }

    private void accept() {
        while (!stopped) {
            try {
                Socket socket = server.accept();
                Thread serving = new Thread(() -> serve(socket), "hostile-peer-call");
                serving.setDaemon(true);
                serving.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            readHead(socket.getInputStream());
            requests.incrementAndGet();
            OutputStream out = socket.getOutputStream();
            switch (mode) {
                case DRIPS -> {
                    out.write(head(1_000_000));
                    out.flush();
                    while (!stopped) {
                        out.write(' ');
                        out.flush();
                        bodyBytesWritten.incrementAndGet();
                        // the drip's pace is the peer's behaviour, not a test waiting for a condition
                        if (closed.await(1, TimeUnit.SECONDS)) {
                            return;
                        }
                    }
                }
                case FLOODS -> {
                    out.write(head(TEN_GIB));
                    byte[] zeros = new byte[64 * 1024];
                    for (long sent = 0; sent < TEN_GIB && !stopped; sent += zeros.length) {
                        out.write(zeros);
                        bodyBytesWritten.addAndGet(zeros.length);
                    }
                }
                case SILENT -> {
                    // blocks until the client goes: then read() ends with -1 or an exception
                    while (socket.getInputStream().read() >= 0) {
                        // the client sends nothing more
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client cut the connection: what the tests want
        } finally {
            closed.countDown();
        }
    }

    private static byte[] head(long contentLength) {
        return ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads up to the blank line that ends the request's head (the calls under test send no body, or a small one). */
    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    @Override
    public void close() {
        stopped = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
