package io.kubevaultauthrenewer.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The management port of a renewer that keeps running: health and metrics.
 *
 * @param host CAMEL_MANAGEMENT_HOST: the address the management port listens on, an IP literal or a host name
 * @param port CAMEL_MANAGEMENT_PORT: the port of the health and metrics endpoints, 0 for any free port
 */
public record ManagementSettings(String host, int port) {

    /** Every interface: the kubelet's probes and the metrics scrape reach the pod's IP. */
    public static final String DEFAULT_HOST = "0.0.0.0";

    public static final int DEFAULT_PORT = 9876;

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    // RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, 253 characters at most
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    // IPv6 literals, with or without brackets: hex groups and colons, an optional IPv4 tail
    private static final Pattern IPV6 = Pattern.compile("\\[?[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*]?");

    static ManagementSettings read(SettingsReader r) {
        return new ManagementSettings(host(r), port(r));
    }

    private static String host(SettingsReader r) {
        Optional<String> raw = r.value(Setting.CAMEL_MANAGEMENT_HOST);
        if (raw.isEmpty()) {
            return DEFAULT_HOST;
        }
        String value = raw.get().trim();
        if (!isHost(value)) {
            r.problem("CAMEL_MANAGEMENT_HOST=" + value + " is neither an IP address nor a host name");
            return DEFAULT_HOST;
        }
        return value.startsWith("[") ? value.substring(1, value.length() - 1) : value;
    }

    private static boolean isHost(String value) {
        Matcher ipv4 = IPV4.matcher(value);
        if (ipv4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(ipv4.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (value.matches("[\\d.]+")) {
            return false; // digits and dots but not four octets: a mistyped address, not a name
        }
        if (value.contains(":")) {
            return IPV6.matcher(value).matches() && value.startsWith("[") == value.endsWith("]") && isIpv6(value);
        }
        return HOST_NAME.matcher(value).matches();
    }

    private static boolean isIpv6(String value) {
        String bare = value.startsWith("[") ? value.substring(1, value.length() - 1) : value;
        try {
            // a literal with colons is parsed, never looked up (an IPv4-mapped one parses to an IPv4 address)
            InetAddress.getByName(bare);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static int port(SettingsReader r) {
        Optional<String> raw = r.value(Setting.CAMEL_MANAGEMENT_PORT);
        if (raw.isEmpty()) {
            return DEFAULT_PORT;
        }
        String value = raw.get();
        if (!value.matches("\\d{1,5}") || Integer.parseInt(value) > SettingsReader.MAX_PORT) {
            r.problem(
                    "CAMEL_MANAGEMENT_PORT=" + value + " is not a port number (0 to " + SettingsReader.MAX_PORT + ")");
            return DEFAULT_PORT;
        }
        return Integer.parseInt(value);
    }
}
