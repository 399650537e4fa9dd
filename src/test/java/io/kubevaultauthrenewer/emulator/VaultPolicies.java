package io.kubevaultauthrenewer.emulator;

import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Vault's ACL policies as the emulator checks them on its secret engines, its auth methods and the token and lease
 * endpoints the renewer calls. A policy is a set of rules; a rule is a path pattern and capabilities. As in
 * Vault's {@code vault/acl.go}: rules for the same pattern in several of a token's policies merge (and {@code deny}
 * wins); an exact pattern beats any wildcard one; among wildcard patterns ({@code +} for one segment, a trailing
 * {@code *} for any suffix) the one Vault's priority rules put first decides alone. A path no rule matches is denied.
 */
final class VaultPolicies {

    private static final Set<String> CAPABILITIES =
            Set.of("create", "read", "update", "patch", "delete", "list", "sudo", "deny");
    private static final Set<String> ALL = Set.of("create", "read", "update", "patch", "delete", "list", "sudo");

    private final Map<String, Map<String, Set<String>>> policies = new LinkedHashMap<>();

    VaultPolicies() {
        // the stock "default" policy, on the paths it names that matter here (its identity templates left out)
        add("default", "auth/token/lookup-self", "read");
        add("default", "auth/token/renew-self", "update");
        add("default", "auth/token/revoke-self", "update");
        add("default", "sys/capabilities-self", "update");
        add("default", "sys/internal/ui/resultant-acl", "read");
        // hashicorp/vault's default policy (vault/policy_store.go) grants the legacy sys/renew too; OpenBao at df6ce2c
        // has neither the rule (internal/vault/policy/policy_store.go) nor the path. Kept: the renewer may meet either.
        add("default", "sys/renew", "update");
        add("default", "sys/leases/renew", "update");
        add("default", "sys/leases/lookup", "update");
        add("default", "cubbyhole/*", "create", "read", "update", "delete", "list");
        add("default", "sys/wrapping/wrap", "update");
        add("default", "sys/wrapping/lookup", "update");
        add("default", "sys/wrapping/unwrap", "update");
    }

    /** Adds one rule to a policy (created if new). */
    void add(String policy, String path, String... capabilities) {
        if (capabilities.length == 0) {
            throw new IllegalArgumentException("a rule needs capabilities");
        }
        for (String capability : capabilities) {
            if (!CAPABILITIES.contains(capability)) {
                throw new IllegalArgumentException("unknown capability " + capability);
            }
        }
        policies.computeIfAbsent(policy, p -> new LinkedHashMap<>())
                .computeIfAbsent(path.replaceFirst("^/", ""), p -> new TreeSet<>())
                .addAll(List.of(capabilities));
    }

    /**
     * Null when a call may go on, else Vault's refusal: 403 {@code permission denied} without a token, the invalid
     * token answer for a token that does not exist, the ACL's answer when the policies do not grant the capability.
     * A token made without policies acts as root.
     */
    VaultReply denial(VaultCall call, String path, String capability) {
        if (!call.tokenSent()) {
            return VaultReply.noToken();
        }
        if (call.caller() == null) {
            return VaultReply.invalidToken();
        }
        List<String> names = call.caller().policies;
        return names.isEmpty() || allows(names, path, capability) ? null : VaultReply.aclDenied();
    }

    boolean allows(Collection<String> names, String path, String capability) {
        Set<String> granted = capabilities(names, path);
        return !granted.contains("deny") && granted.contains(capability);
    }

    /** What the named policies grant on a path: the winning rule's capabilities, empty when no rule matches. */
    Set<String> capabilities(Collection<String> names, String path) {
        if (names.contains("root")) {
            return ALL;
        }
        Map<String, Set<String>> rules = merged(names);
        Set<String> exact = rules.get(path);
        if (exact != null && !isWildcard(path)) {
            return exact;
        }
        return rules.keySet().stream()
                .filter(VaultPolicies::isWildcard)
                .filter(pattern -> matches(pattern, path))
                .max(VaultPolicies::priority)
                .map(rules::get)
                .orElse(Set.of());
    }

    /**
     * Whether the policies grant anything under a mount, as {@code hasMountAccess} in {@code vault/logical_system.go}
     * decides for {@code sys/internal/ui/mounts}: a capability on the mount path itself, or any rule below it that
     * grants more than deny.
     */
    boolean hasMountAccess(Collection<String> names, String mountPath) {
        Set<String> onMount = capabilities(names, mountPath);
        if (!onMount.isEmpty() && !onMount.contains("deny")) {
            return true;
        }
        return merged(names).entrySet().stream()
                .anyMatch(rule -> literalPrefix(rule.getKey()).startsWith(mountPath)
                        && !rule.getValue().contains("deny"));
    }

    /** Every rule of the named policies, by pattern; capabilities of one pattern united, deny alone if any denies. */
    private Map<String, Set<String>> merged(Collection<String> names) {
        Map<String, Set<String>> rules = new LinkedHashMap<>();
        for (String name : names) {
            policies.getOrDefault(name, Map.of())
                    .forEach((pattern, capabilities) -> rules.merge(pattern, capabilities, (a, b) -> {
                        Set<String> union = new TreeSet<>(a);
                        union.addAll(b);
                        return union.contains("deny") ? Set.of("deny") : union;
                    }));
        }
        rules.replaceAll((pattern, capabilities) -> capabilities.contains("deny") ? Set.of("deny") : capabilities);
        return rules;
    }

    private static boolean isWildcard(String pattern) {
        return pattern.endsWith("*") || firstPlus(pattern) >= 0;
    }

    /** Index of the first {@code +} segment, or -1. */
    private static int firstPlus(String pattern) {
        String[] segments = pattern.split("/", -1);
        int index = 0;
        for (String segment : segments) {
            if (segment.equals("+")) {
                return index;
            }
            index += segment.length() + 1;
        }
        return -1;
    }

    private static int firstWildcard(String pattern) {
        int plus = firstPlus(pattern);
        int glob = pattern.endsWith("*") ? pattern.length() - 1 : Integer.MAX_VALUE;
        return plus < 0 ? glob : Math.min(plus, glob);
    }

    private static String literalPrefix(String pattern) {
        int wildcard = firstWildcard(pattern);
        return wildcard == Integer.MAX_VALUE ? pattern : pattern.substring(0, wildcard);
    }

    static boolean matches(String pattern, String path) {
        boolean glob = pattern.endsWith("*");
        String body = glob ? pattern.substring(0, pattern.length() - 1) : pattern;
        StringBuilder regex = new StringBuilder();
        String[] segments = body.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                regex.append('/');
            }
            regex.append(segments[i].equals("+") ? "[^/]+" : Pattern.quote(segments[i]));
        }
        if (glob) {
            regex.append(".*");
        }
        return path.matches(regex.toString());
    }

    /**
     * Vault's priority between two wildcard patterns matching one path (the policies documentation's "priority
     * matching"): the later first wildcard wins; then the one not ending in {@code *}; then fewer {@code +}
     * segments; then the longer; then the lexicographically larger.
     */
    private static int priority(String a, String b) {
        return Comparator.comparingInt(VaultPolicies::firstWildcard)
                .thenComparing(p -> !p.endsWith("*"))
                .thenComparing(p -> -plusCount(p))
                .thenComparingInt(String::length)
                .thenComparing(Comparator.naturalOrder())
                .compare(a, b);
    }

    private static int plusCount(String pattern) {
        int count = 0;
        for (String segment : pattern.split("/", -1)) {
            if (segment.equals("+")) {
                count++;
            }
        }
        return count;
    }
}
