package io.kubevaultauthrenewer.config;

import java.util.Optional;

/**
 * The management port of a renewer that keeps running: health and metrics.
 *
 * @param port CAMEL_MANAGEMENT_PORT: the port of the health and metrics endpoints, 0 for any free port
 */
public record ManagementSettings(int port) {

    public static final int DEFAULT_PORT = 9876;

    static ManagementSettings read(SettingsReader r) {
        Optional<String> raw = r.value(Setting.CAMEL_MANAGEMENT_PORT);
        if (raw.isEmpty()) {
            return new ManagementSettings(DEFAULT_PORT);
        }
        String value = raw.get();
        if (!value.matches("\\d{1,5}") || Integer.parseInt(value) > SettingsReader.MAX_PORT) {
            r.problem(
                    "CAMEL_MANAGEMENT_PORT=" + value + " is not a port number (0 to " + SettingsReader.MAX_PORT + ")");
            return new ManagementSettings(DEFAULT_PORT);
        }
        return new ManagementSettings(Integer.parseInt(value));
    }
}
