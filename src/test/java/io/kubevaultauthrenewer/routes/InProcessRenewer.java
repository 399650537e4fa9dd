package io.kubevaultauthrenewer.routes;

import io.kubevaultauthrenewer.Application;
import io.kubevaultauthrenewer.e2e.RenewerOutput;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.camel.main.Main;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * The renewer run in this JVM, as {@code bin/kube-vault-auth-renewer} runs it in a JVM of its own: {@link
 * Application#run} with the real routes, properties and beans, against whatever {@code VAULT_ADDR} names, its log lines
 * captured through an appender with the text format's own pattern (src/main/resources/log4j2.xml), so that they read as
 * the process prints them. The route tests' harness: what a run logs, what Vault received and the status it exits
 * with, without the seconds a JVM of its own costs. One at a time: the log capture and Camel's health registries are
 * the JVM's.
 */
final class InProcessRenewer extends RenewerOutput {

    /** How long a route test waits for a line or a condition: far above what a cycle takes. */
    static final Duration LONG = Duration.ofSeconds(30);

    /** The text format's pattern, as log4j2.xml gives it. */
    private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}{UTC} %p %c{1} - %m%n%ex";

    private final AbstractAppender capture;
    private final CompletableFuture<Main> main = new CompletableFuture<>();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private InProcessRenewer(Map<String, String> environment, String... arguments) {
        this(main -> {}, environment, arguments);
    }

    private InProcessRenewer(Consumer<Main> setUp, Map<String, String> environment, String... arguments) {
        PatternLayout layout = PatternLayout.newBuilder().withPattern(PATTERN).build();
        capture = new AbstractAppender("capture-" + UUID.randomUUID(), null, layout, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                for (String line : layout.toSerializable(event).split("\n")) {
                    printed(line);
                }
            }
        };
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(capture, null, null);
        logging.updateLoggers();
        Thread thread = new Thread(
                () -> {
                    try {
                        exit.complete(Application.run(
                                environment,
                                started -> {
                                    setUp.accept(started);
                                    main.complete(started);
                                },
                                arguments));
                    } catch (Throwable e) {
                        exit.completeExceptionally(e);
                    }
                },
                "renewer-in-process");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts the renewer with this environment. */
    static InProcessRenewer start(Map<String, String> environment) {
        return new InProcessRenewer(environment);
    }

    /** Runs the renewer with this environment until it ends by itself (RUN_ONCE). */
    static InProcessRenewer runToEnd(Map<String, String> environment) {
        InProcessRenewer renewer = new InProcessRenewer(environment);
        renewer.awaitExit();
        return renewer;
    }

    /** Runs with these arguments ({@code init}) and this environment, as the image's entrypoint does. */
    static InProcessRenewer run(Map<String, String> environment, String... arguments) {
        return new InProcessRenewer(environment, arguments);
    }

    /** Runs as {@link #run(Map, String...)} does, with {@code setUp} given the Camel Main before it runs. */
    static InProcessRenewer run(Consumer<Main> setUp, Map<String, String> environment, String... arguments) {
        return new InProcessRenewer(setUp, environment, arguments);
    }

    /** Waits for the run to end by itself and gives its exit status. */
    int awaitExit() {
        return awaitExit(LONG);
    }

    @Override
    public int awaitExit(Duration timeout) {
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the renewer did not end within " + timeout + "; its log:\n" + output(), e);
        }
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    /** Stops the renewer as SIGTERM does (Camel Main's shutdown) and gives its exit status. */
    @Override
    public int stop(Duration timeout) {
        try {
            main.get(timeout.toMillis(), TimeUnit.MILLISECONDS).completed();
        } catch (Exception e) {
            throw new AssertionError("the renewer did not start", e);
        }
        return awaitExit(timeout);
    }

    int stop() {
        return stop(LONG);
    }

    /** Waits until {@code count} lines match {@code regex}. */
    void awaitLines(String regex, int count) {
        awaitLines(regex, count, LONG);
    }

    /** Waits until {@code condition} holds. */
    void awaitUntil(java.util.concurrent.Callable<Boolean> condition) {
        awaitUntil(condition, LONG);
    }

    /** The log so far, a line each. */
    String log() {
        return output();
    }

    /** Stops the renewer if it still runs, and takes the log capture away. */
    @Override
    public void close() {
        if (!exit.isDone()) {
            main.thenAccept(Main::completed);
            try {
                exit.get(LONG.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the test that awaited it
            }
        }
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = logging.getConfiguration().getRootLogger();
        root.removeAppender(capture.getName());
        logging.updateLoggers();
        capture.stop();
    }
}
