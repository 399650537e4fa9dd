package io.kubevaultauthrenewer.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The real clock, plus an offset a test can move forward: TTLs run down in real time, and a test can also jump
 * ahead (a lease nearer its max TTL, a token half way through its life) without waiting, or stop time to hold a
 * TTL at an exact value while the renewer looks at it.
 */
public final class ShiftableClock extends Clock {

    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);
    private final AtomicReference<Instant> frozenAt = new AtomicReference<>();

    /** A clock stopped at the current time: TTLs hold still until a test moves it. */
    public static ShiftableClock frozen() {
        ShiftableClock clock = new ShiftableClock();
        clock.freeze();
        return clock;
    }

    public void advance(Duration by) {
        offset.updateAndGet(o -> o.plus(by));
        frozenAt.updateAndGet(f -> f == null ? null : f.plus(by));
    }

    /** Stops the clock where it is; {@link #advance} still moves it. */
    public void freeze() {
        frozenAt.set(instant());
    }

    @Override
    public Instant instant() {
        Instant frozen = frozenAt.get();
        return frozen != null ? frozen : Instant.now().plus(offset.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("always UTC");
    }
}
