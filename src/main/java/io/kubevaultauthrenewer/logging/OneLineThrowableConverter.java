package io.kubevaultauthrenewer.logging;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;

/**
 * {@code %oneLineEx}: the event's stack trace as {@link Throwable#printStackTrace()} prints it (frames, causes,
 * suppressed), but each throwable's own line (its class and message, where a Vault error text or a value may sit)
 * escaped by {@link OneLine}: a message cannot forge a log line. Nothing when the event has no throwable.
 */
@Plugin(name = "OneLineThrowableConverter", category = PatternConverter.CATEGORY)
@ConverterKeys({"oneLineEx"})
public final class OneLineThrowableConverter extends LogEventPatternConverter {

    private static final OneLineThrowableConverter INSTANCE = new OneLineThrowableConverter();

    private OneLineThrowableConverter() {
        super("oneLineEx", "throwable");
    }

    /** Called by Log4j; takes no options. */
    public static OneLineThrowableConverter newInstance(Configuration config, String[] options) {
        return INSTANCE;
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        Throwable thrown = event.getThrown();
        if (thrown != null) {
            render(thrown, "", "", Collections.newSetFromMap(new IdentityHashMap<>()), toAppendTo);
        }
    }

    private static void render(Throwable t, String caption, String indent, Set<Throwable> seen, StringBuilder out) {
        if (!seen.add(t)) {
            out.append(indent).append(caption).append("[CIRCULAR REFERENCE: ");
            OneLine.appendEscaped(String.valueOf(t.getClass().getName()), out);
            out.append("]\n");
            return;
        }
        out.append(indent).append(caption);
        OneLine.appendEscaped(String.valueOf(t), out);
        out.append('\n');
        for (StackTraceElement frame : t.getStackTrace()) {
            out.append(indent).append("\tat ");
            OneLine.appendEscaped(String.valueOf(frame), out);
            out.append('\n');
        }
        for (Throwable suppressed : t.getSuppressed()) {
            render(suppressed, "Suppressed: ", indent + "\t", seen, out);
        }
        if (t.getCause() != null) {
            render(t.getCause(), "Caused by: ", indent, seen, out);
        }
    }

    @Override
    public boolean handlesThrowable() {
        return true;
    }
}
