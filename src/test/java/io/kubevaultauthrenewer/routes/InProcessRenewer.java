package io.kubevaultauthrenewer.routes;

import static org.awaitility.Awaitility.await;

import io.kubevaultauthrenewer.Application;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.apache.camel.main.Main;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * The renewer run in this JVM, as {@code bin/kube-vault-auth-renewer} runs it in a JVM of its own: {@link
 * Application#run} with the real routes, properties and beans, against whatever {@code VAULT_ADDR} names, its log lines
 * captured as {@code LEVEL Logger - message}. The route tests' harness: what a run logs, what Vault received and the
 * status it exits with, without the seconds a JVM of its own costs. One at a time: the log capture and Camel's health
 * registries are the JVM's.
 */
final class InProcessRenewer implements AutoCloseable {

    /** How long a route test waits for a line or a condition: far above what a cycle takes. */
    static final Duration LONG = Duration.ofSeconds(30);

    private final List<String> lines = new ArrayList<>();
    private final AbstractAppender capture;
    private final CompletableFuture<Main> main = new CompletableFuture<>();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private InProcessRenewer(Map<String, String> environment) {
        capture = new AbstractAppender("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                String logger = event.getLoggerName();
                String line = event.getLevel() + " " + logger.substring(logger.lastIndexOf('.') + 1) + " - "
                        + event.getMessage().getFormattedMessage();
                synchronized (lines) {
                    lines.add(line);
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
                        exit.complete(Application.run(environment, main::complete));
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

    /** Runs the renewer with this environment until it ends by itself (RUN_ONCE), and returns its exit status. */
    static InProcessRenewer runToEnd(Map<String, String> environment) {
        InProcessRenewer renewer = new InProcessRenewer(environment);
        renewer.awaitExit();
        return renewer;
    }

    /** Waits for the run to end by itself and gives its exit status. */
    int awaitExit() {
        try {
            return exit.get(LONG.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the renewer did not end within " + LONG + "; its log:\n" + log(), e);
        }
    }

    /** Stops the renewer as SIGTERM does (Camel Main's shutdown) and gives its exit status. */
    int stop() {
        try {
            main.get(LONG.toSeconds(), TimeUnit.SECONDS).completed();
        } catch (Exception e) {
            throw new AssertionError("the renewer did not start", e);
        }
        return awaitExit();
    }

    /** The lines logged so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The log so far, a line each. */
    String log() {
        return String.join("\n", lines());
    }

    /** The lines logged so far that match {@code regex} somewhere. */
    List<String> linesWith(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return lines().stream().filter(l -> pattern.matcher(l).find()).toList();
    }

    /** Waits until {@code count} lines match {@code regex}. */
    void awaitLines(String regex, int count) {
        await().atMost(LONG)
                .pollInterval(Duration.ofMillis(20))
                .alias("a " + count + "th line matching " + regex)
                .until(() -> linesWith(regex).size() >= count);
    }

    /** Waits until {@code condition} holds. */
    void awaitUntil(BooleanSupplier condition) {
        await().atMost(LONG).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
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
