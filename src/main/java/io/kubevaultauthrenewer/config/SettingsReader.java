package io.kubevaultauthrenewer.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import org.apache.camel.CamelContext;

/**
 * The one reader of the settings, for both modes and for LOG_FORMAT before logging starts: a setting's value is the
 * environment's (which wins), else the properties' (as Camel resolves them: a system property, the RENEWER_* form of
 * the key, {@code application.properties}); blank counts as unset. Every bad value is collected, one line each naming
 * the variable, and reported at once by {@link #check()}.
 */
public final class SettingsReader {

    /** Registry name of the environment map (bound by {@code Application}; the process environment otherwise). */
    public static final String ENVIRONMENT = "renewer-environment";

    /** LOG_FORMAT's values, the default first. */
    public static final List<String> LOG_FORMATS = List.of("text", "json");

    /** The highest TCP port number. */
    public static final int MAX_PORT = 65_535;

    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    private final Function<String, String> environment;
    private final Function<String, Optional<String>> properties;
    private final List<String> problems = new ArrayList<>();

    /**
     * @param environment the process environment (a lookup by variable name)
     * @param properties the properties (a lookup by key)
     */
    public SettingsReader(Function<String, String> environment, Function<String, Optional<String>> properties) {
        this.environment = environment;
        this.properties = properties;
    }

    /** The reader of a mode's wiring: the environment ({@link #environment}), then Camel's properties. */
    public static SettingsReader of(CamelContext context) {
        return new SettingsReader(environment(context)::get, context.getPropertiesComponent()::resolveProperty);
    }

    /** The environment the settings are read from: the map bound as {@link #ENVIRONMENT}, else the process's. */
    @SuppressWarnings("unchecked")
    public static Map<String, String> environment(CamelContext context) {
        Map<String, String> environment = context.getRegistry().lookupByNameAndType(ENVIRONMENT, Map.class);
        return environment != null ? environment : System.getenv();
    }

    /**
     * A reader for before Camel starts (LOG_FORMAT, the file a failed init removes): the properties are found where
     * Camel would find them: a system property, the environment's form of the key ({@code RENEWER_LOG_FORMAT}), then
     * {@code application.properties}.
     */
    public static SettingsReader beforeCamel(Map<String, String> environment) {
        Properties file = new Properties();
        try (InputStream in = SettingsReader.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                file.load(in);
            }
        } catch (IOException e) {
            // Camel reports an unreadable file
        }
        return new SettingsReader(environment::get, key -> {
            String value = System.getProperty(key);
            if (value == null || value.isBlank()) {
                value = environment.get(
                        key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            }
            if (value == null || value.isBlank()) {
                value = file.getProperty(key);
            }
            return Optional.ofNullable(value);
        });
    }

    /** The value from the environment, else from the properties; blank counts as unset. */
    public Optional<String> raw(Setting setting) {
        String env = environment.apply(setting.envName());
        if (env != null && !env.isBlank()) {
            return Optional.of(env);
        }
        return properties.apply(setting.propertyKey()).filter(v -> !v.isBlank());
    }

    /** The value without the blanks around it. */
    public Optional<String> value(Setting setting) {
        return raw(setting).map(String::strip);
    }

    /** Records a problem, reported with the others by {@link #check()}. */
    public void problem(String problem) {
        problems.add(problem);
    }

    /** How many problems so far: a reader of several settings compares before and after. */
    public int problemCount() {
        return problems.size();
    }

    /**
     * Ends the reading.
     *
     * @throws InvalidSettingsException naming every setting that is wrong
     */
    public void check() {
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
    }

    /** A true/false setting, false by default; yes/no and 1/0 are understood too. */
    public boolean flag(Setting setting) {
        String value = raw(setting).map(v -> v.strip().toLowerCase(Locale.ROOT)).orElse("false");
        return switch (value) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> {
                problems.add(setting.envName() + "=" + value + " must be true or false");
                yield false;
            }
        };
    }

    /** A time ({@code 500ms}, {@code 5s}, {@code 1m}, or seconds), more than 0 and at most 10 minutes. */
    public Duration timeout(Setting setting, Duration defaultValue) {
        Optional<String> raw = raw(setting);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            Duration d = Durations.parse(raw.get());
            if (d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
                problems.add(setting.envName() + "=" + raw.get().strip() + " must be more than 0 and at most 10m");
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problems.add(setting.envName() + "=" + raw.get().strip() + " " + e.getMessage());
            return null;
        }
    }

    /** A whole number between {@code min} and {@code max}, with an optional unit suffix (such as {@code %}). */
    public int whole(Setting setting, int defaultValue, int min, int max, String unit) {
        Optional<String> raw = raw(setting);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        String value = raw.get().strip();
        String number = !unit.isEmpty() && value.endsWith(unit)
                ? value.substring(0, value.length() - unit.length()).strip()
                : value;
        if (!number.matches("\\d{1,6}") || Integer.parseInt(number) < min || Integer.parseInt(number) > max) {
            problems.add(setting.envName() + "=" + value + " must be a whole number from " + min + " to " + max + unit);
            return defaultValue;
        }
        return Integer.parseInt(number);
    }

    /** A path, or null when unset. */
    public Path path(Setting setting) {
        Optional<String> value = value(setting);
        if (value.isEmpty()) {
            return null;
        }
        try {
            return Path.of(value.get());
        } catch (InvalidPathException e) {
            problems.add(setting.envName() + "=" + value.get() + " is not a valid path");
            return null;
        }
    }

    /**
     * LOG_FORMAT: {@code text} (the default) or {@code json}, in any case, blanks around it ignored. Anything else is a
     * problem, and empty: the logging configuration keeps its text layout.
     */
    public Optional<String> logFormat() {
        Optional<String> raw = raw(Setting.LOG_FORMAT);
        if (raw.isEmpty()) {
            return Optional.of(LOG_FORMATS.get(0));
        }
        Optional<String> format = logFormat(raw.get());
        if (format.isEmpty()) {
            problems.add("LOG_FORMAT=" + raw.get().strip()
                    + " is not a log format: text (the default: one line per event) or json (one ECS JSON object per"
                    + " line)");
        }
        return format;
    }

    /** LOG_FORMAT's value as the logging configuration reads it; empty for anything but text or json. */
    public static Optional<String> logFormat(String value) {
        String format = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return LOG_FORMATS.contains(format) ? Optional.of(format) : Optional.empty();
    }
}
