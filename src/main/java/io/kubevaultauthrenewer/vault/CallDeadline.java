package io.kubevaultauthrenewer.vault;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

/**
 * One deadline for every outgoing call (Vault and the API server, both modes): connect, request and the whole answer,
 * which is read here into memory, at most {@link #MAX_ANSWER_BYTES}. Past the deadline, past the cap, or on a
 * Content-Length over it, the connection is aborted, never read to its end: a socket timeout bounds one read only, so
 * a peer dripping a byte a second, or a 10 GiB answer, would otherwise hold the call (and the cycle) for ever.
 */
public final class CallDeadline implements ExecChainHandler {

    /** Answers the renewer reads are a few kilobytes; a larger one is cut. */
    public static final int MAX_ANSWER_BYTES = 1024 * 1024;

    /** The call ran past its deadline: a timeout, as the retries and the failure's classification see it. */
    public static final class Exceeded extends SocketTimeoutException {
        Exceeded(Duration deadline) {
            super("no whole answer within " + deadline.toMillis() + " ms (the connect and response timeouts together);"
                    + " the connection was cut");
        }
    }

    /** The answer is larger than {@link #MAX_ANSWER_BYTES}; the message names the size, never the body. */
    public static final class TooLarge extends IOException {
        TooLarge(String what) {
            super(what + ", more than the " + MAX_ANSWER_BYTES + " bytes allowed; the connection was cut");
        }
    }

    private enum Cut {
        DEADLINE,
        STOPPING
    }

    private final Duration deadline;
    private final ScheduledThreadPoolExecutor timer;
    private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();

    /** @param deadline the longest a call may take, from its start to the last byte of its answer */
    public CallDeadline(Duration deadline) {
        this.deadline = deadline;
        this.timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "call-deadline");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        // the one timer thread ends when no call is in flight: nothing to stop with the context
        timer.setKeepAliveTime(1, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
    }

    /** The configurer, with this deadline as the first handler of the client's chain (it covers redirects too). */
    public HttpClientConfigurer around(HttpClientConfigurer configurer) {
        return builder -> {
            configurer.configureHttpClient(builder);
            install(builder);
        };
    }

    /**
     * Puts this deadline first in the client's chain, and the reading of the answer last, right before the protocol
     * step: so the handlers in between (which take a token out of the answer) see it whole, already bounded.
     */
    public void install(HttpClientBuilder builder) {
        builder.addExecInterceptorFirst("call-deadline", this);
        builder.addExecInterceptorBefore(ChainElement.PROTOCOL.name(), "bounded-answer", CallDeadline::bounded);
    }

    /** Cuts every call in flight (the renewer is stopping): each fails at once instead of running to its deadline. */
    public void abortAll() {
        inFlight.forEach(call -> call.cut(Cut.STOPPING));
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        Call call = new Call(scope);
        inFlight.add(call);
        ScheduledFuture<?> expiry =
                timer.schedule(() -> call.cut(Cut.DEADLINE), deadline.toNanos(), TimeUnit.NANOSECONDS);
        try {
            return chain.proceed(request, scope);
        } catch (IOException | HttpException | RuntimeException e) {
            Cut cut = call.cut.get();
            if (cut == Cut.DEADLINE) {
                Exceeded exceeded = new Exceeded(deadline);
                exceeded.initCause(e);
                throw exceeded;
            }
            if (cut == Cut.STOPPING) {
                InterruptedIOException stopped =
                        new InterruptedIOException("the renewer is stopping: the call was cut");
                stopped.initCause(e);
                throw stopped;
            }
            throw e;
        } finally {
            expiry.cancel(false);
            inFlight.remove(call);
        }
    }

    /** The answer of one hop (a redirect's too), read whole into memory. */
    private static ClassicHttpResponse bounded(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        ClassicHttpResponse response = chain.proceed(request, scope);
        HttpEntity entity = response.getEntity();
        if (entity != null) {
            response.setEntity(read(entity, scope));
        }
        return response;
    }

    /** The whole answer in memory, or the connection aborted once it is known to be over the cap. */
    private static HttpEntity read(HttpEntity entity, ExecChain.Scope scope) throws IOException {
        long announced = entity.getContentLength();
        if (announced > MAX_ANSWER_BYTES) {
            abort(scope);
            throw new TooLarge("the answer announces " + announced + " bytes (Content-Length)");
        }
        InputStream in = entity.getContent();
        if (in == null) {
            return new ByteArrayEntity(new byte[0], contentType(entity), entity.getContentEncoding());
        }
        byte[] bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
        if (bytes.length > MAX_ANSWER_BYTES) {
            abort(scope); // before the stream is closed: closing it would read the rest
            throw new TooLarge("the answer ran past " + MAX_ANSWER_BYTES + " bytes");
        }
        in.close(); // at its end: the connection goes back to the pool
        return new ByteArrayEntity(bytes, contentType(entity), entity.getContentEncoding());
    }

    static ContentType contentType(HttpEntity entity) {
        return entity.getContentType() == null ? null : ContentType.parseLenient(entity.getContentType());
    }

    /** One call in flight, which the timer or a stop may cut. */
    private static final class Call {
        private final ExecChain.Scope scope;
        private final AtomicReference<Cut> cut = new AtomicReference<>();

        Call(ExecChain.Scope scope) {
            this.scope = scope;
        }

        void cut(Cut why) {
            if (cut.compareAndSet(null, why)) {
                abort(scope);
            }
        }
    }

    /** Closes the call's connection at once; a request cancelled also refuses a later connection (a redirect's). */
    private static void abort(ExecChain.Scope scope) {
        if (scope.originalRequest instanceof Cancellable request) {
            request.cancel();
        }
        if (scope.execRuntime != null) {
            scope.execRuntime.discardEndpoint();
        }
    }
}
