package io.kubevaultauthrenewer.emulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultLedger.Ending;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A control port on loopback for a script that drives a standalone emulator ({@link Standalone} {@code --control}):
 * each request is one call of the emulator's own API, so what Vault then answers is what the emulator already models.
 * Parameters come in the query or as a form body ({@code curl --data-urlencode}); a bad one is a 400 naming it.
 *
 * <pre>
 * POST /seal, /unseal                                     seal() and unseal(): every call 503 "Vault is sealed"
 * POST /inject?path=&amp;count=&amp;action=drop|cut-short|delay|status|raw[&amp;ms=][&amp;status=&amp;error=][&amp;type=&amp;body=]
 *                                                         inject(): the next count calls whose path contains path
 * POST /clear                                            clearFaults(): what inject() left of its calls is dropped
 * POST /rate-limit?path=&amp;refusals=&amp;rate=&amp;interval=&amp;headers=   rateLimitQuota(): 429s, with Retry-After when headers=true
 * POST /lease?ttl=&amp;max=                                    a new renewable lease of the standalone's token: its id
 * GET  /ledger                                            the run's account, one fact a line (below)
 * </pre>
 *
 * The ledger's lines: {@code calls <path> <status> <count>} (status 0: no answer), {@code fault <kind> <count>},
 * {@code ended <lease|token> <lease id|accessor> <why> <at>} and {@code alive lease <id> <ttl seconds>}. It never
 * names the token itself.
 */
public final class VaultControl implements AutoCloseable {

    private final VaultEmulator vault;
    private final Token owner;
    private final HttpServer server;

    private VaultControl(VaultEmulator vault, Token owner) throws IOException {
        this.vault = vault;
        this.owner = owner;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts the control port of {@code vault}; {@code owner} owns the leases {@code /lease} creates. */
    public static VaultControl start(VaultEmulator vault, Token owner) {
        try {
            return new VaultControl(vault, owner);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the emulator's control port", e);
        }
    }

    public String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        int status = 200;
        String answer;
        try {
            Map<String, String> p = parameters(exchange);
            answer =
                    answer(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), p);
        } catch (IllegalArgumentException e) {
            status = 400;
            answer = e.getMessage() + "\n";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String answer(String method, String path, Map<String, String> p) {
        if (path.equals("/ledger")) {
            return ledger();
        }
        if (!method.equals("POST")) {
            throw new IllegalArgumentException(method + " " + path + ": only GET /ledger and POSTs are served");
        }
        switch (path) {
            case "/seal" -> vault.seal();
            case "/unseal" -> vault.unseal();
            case "/clear" -> vault.clearFaults();
            case "/inject" -> vault.inject(p.getOrDefault("path", ""), number(p, "count", 1), action(p));
            case "/rate-limit" ->
                vault.rateLimitQuota(
                        p.getOrDefault("path", ""),
                        number(p, "refusals", 1),
                        number(p, "rate", 10),
                        Duration.ofSeconds(number(p, "interval", 1)),
                        Boolean.parseBoolean(p.getOrDefault("headers", "true")));
            case "/lease" -> {
                Lease lease = vault.createLease(
                        owner,
                        "database/creds/app",
                        Duration.ofSeconds(number(p, "ttl", 60)),
                        Duration.ofSeconds(number(p, "max", 0)),
                        true);
                return lease.id + "\n";
            }
            default -> throw new IllegalArgumentException("no such control: " + path);
        }
        return "ok\n";
    }

    /** The fault {@code /inject} names: one of the emulator's {@link VaultEmulator.FaultAction}s. */
    private static VaultEmulator.FaultAction action(Map<String, String> p) {
        String action = p.getOrDefault("action", "");
        return switch (action) {
            case "drop" -> new VaultEmulator.Drop();
            case "cut-short" -> new VaultEmulator.CutShort();
            case "delay" -> new VaultEmulator.Delay(Duration.ofMillis(number(p, "ms", 1000)));
            case "status" ->
                new VaultEmulator.Status(
                        number(p, "status", 500),
                        p.containsKey("error") ? List.of(p.get("error")) : List.of(),
                        Map.of());
            case "raw" ->
                new VaultEmulator.RawBody(
                        number(p, "status", 200), p.getOrDefault("type", "text/html"), p.getOrDefault("body", ""));
            default ->
                throw new IllegalArgumentException("action=" + action + ": one of drop, cut-short, delay, status, raw");
        };
    }

    private String ledger() {
        StringBuilder out = new StringBuilder();
        Map<String, Integer> calls = new TreeMap<>();
        for (RecordedRequest r : vault.requests()) {
            calls.merge(r.path() + " " + r.status(), 1, Integer::sum);
        }
        calls.forEach(
                (k, n) -> out.append("calls ").append(k).append(' ').append(n).append('\n'));
        new TreeMap<>(vault.ledger.faults())
                .forEach((k, n) ->
                        out.append("fault ").append(k).append(' ').append(n).append('\n'));
        for (Ending e : vault.ledger.endings()) {
            out.append("ended ")
                    .append(e.kind())
                    .append(' ')
                    .append(e.name())
                    .append(' ')
                    .append(e.why().word)
                    .append(' ')
                    .append(e.at())
                    .append('\n');
        }
        for (Lease lease : vault.leasesOf(owner)) {
            out.append("alive lease ")
                    .append(lease.id)
                    .append(' ')
                    .append(vault.ttl(lease))
                    .append('\n');
        }
        return out.toString();
    }

    private static int number(Map<String, String> p, String name, int otherwise) {
        String value = p.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + ": not a whole number");
        }
    }

    /** The query's parameters, then the form body's. */
    private static Map<String, String> parameters(HttpExchange exchange) throws IOException {
        Map<String, String> p = new LinkedHashMap<>(
                VaultEmulator.queryParameters(exchange.getRequestURI().getRawQuery()));
        p.putAll(VaultEmulator.queryParameters(
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        return p;
    }
}
