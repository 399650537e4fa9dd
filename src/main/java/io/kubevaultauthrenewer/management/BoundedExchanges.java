package io.kubevaultauthrenewer.management;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The management port's workers: a few threads, a short queue (the JDK server closes a connection whose exchange is
 * rejected), and a watchdog that interrupts an exchange over its budget. The JDK server reads a request on the worker
 * thread from a blocking, interruptible channel: the interrupt closes it, so a client that sends half a request, or
 * nothing, holds a worker for the read budget at most. The read budget counts from the exchange's arrival, queue
 * time included, so that stalled exchanges queued behind stalled ones do not hold the probes for a budget each; one
 * that waited longer still gets a short grace, enough for a request that had arrived whole (the server hands over a
 * connection only once it has bytes to read). The JDK's own sun.net.httpserver.maxReqTime is JVM-wide and only
 * checked on a coarse timer, hence this.
 */
final class BoundedExchanges implements Executor {

    static final int WORKERS = 4;
    static final int QUEUE = 32;
    static final Duration READ_BUDGET = Duration.ofSeconds(1);
    static final Duration WRITE_BUDGET = Duration.ofSeconds(10);
    static final Duration READ_GRACE = Duration.ofMillis(250);

    private static final ThreadLocal<Budget> CURRENT = new ThreadLocal<>();

    private final Duration readBudget;
    private final Duration writeBudget;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;

    BoundedExchanges(Duration readBudget, Duration writeBudget) {
        this.readBudget = readBudget;
        this.writeBudget = writeBudget;
        AtomicInteger n = new AtomicInteger();
        workers = new ThreadPoolExecutor(
                WORKERS,
                WORKERS,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE),
                r -> daemon(r, "management-http-" + n.incrementAndGet()),
                new ThreadPoolExecutor.AbortPolicy());
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "management-http-watchdog"));
    }

    @Override
    public void execute(Runnable exchange) {
        long arrived = System.nanoTime();
        workers.execute(() -> {
            Budget budget = new Budget(Thread.currentThread());
            CURRENT.set(budget);
            long left = readBudget.toNanos() - (System.nanoTime() - arrived);
            budget.restart(Duration.ofNanos(Math.max(left, READ_GRACE.toNanos())));
            try {
                exchange.run();
            } finally {
                budget.end();
                CURRENT.remove();
                Thread.interrupted(); // an interrupt of this exchange must not reach the next one
            }
        });
    }

    /** The request is read: from now on the exchange has the write budget to answer. */
    void requestRead() {
        Budget budget = CURRENT.get();
        if (budget != null) {
            budget.restart(writeBudget);
        }
    }

    void shutdown() {
        watchdog.shutdownNow();
        workers.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** One exchange's deadline; synchronized so that the watchdog never interrupts the thread after the exchange. */
    private final class Budget {
        private final Thread thread;
        private ScheduledFuture<?> timer;
        private boolean ended;

        Budget(Thread thread) {
            this.thread = thread;
        }

        synchronized void restart(Duration budget) {
            if (timer != null) {
                timer.cancel(false);
            }
            timer = watchdog.schedule(this::expire, budget.toNanos(), TimeUnit.NANOSECONDS);
        }

        private synchronized void expire() {
            if (!ended) {
                thread.interrupt();
            }
        }

        synchronized void end() {
            ended = true;
            timer.cancel(false);
        }
    }
}
