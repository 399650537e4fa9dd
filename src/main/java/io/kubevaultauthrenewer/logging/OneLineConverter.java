package io.kubevaultauthrenewer.logging;

import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;
import org.apache.logging.log4j.core.pattern.PatternFormatter;
import org.apache.logging.log4j.core.pattern.PatternParser;

/**
 * {@code %oneLine{pattern}}: the inner pattern (the message) with its control characters escaped by {@link OneLine},
 * so that a value cannot forge a log line. Log4j's own {@code %enc{}{CRLF}} leaves terminal escapes alone, hence this.
 */
@Plugin(name = "OneLineConverter", category = PatternConverter.CATEGORY)
@ConverterKeys({"oneLine"})
public final class OneLineConverter extends LogEventPatternConverter {

    private final List<PatternFormatter> inner;

    private OneLineConverter(List<PatternFormatter> inner) {
        super("oneLine", null);
        this.inner = inner;
    }

    /** Called by Log4j with the pattern's options: the first is the inner pattern. */
    public static OneLineConverter newInstance(Configuration config, String[] options) {
        if (options == null || options.length != 1 || options[0] == null) {
            throw new IllegalArgumentException("%oneLine takes one pattern, as in %oneLine{%m}");
        }
        PatternParser parser = PatternLayout.createPatternParser(config);
        return new OneLineConverter(parser.parse(options[0]));
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        StringBuilder raw = new StringBuilder();
        for (PatternFormatter formatter : inner) {
            formatter.format(event, raw);
        }
        OneLine.appendEscaped(raw, toAppendTo);
    }

    @Override
    public boolean handlesThrowable() {
        return inner.stream().anyMatch(PatternFormatter::handlesThrowable);
    }
}
