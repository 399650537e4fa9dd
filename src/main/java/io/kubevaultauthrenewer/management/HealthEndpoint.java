package io.kubevaultauthrenewer.management;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.health.api.HealthType;
import io.smallrye.health.registry.HealthRegistries;
import io.smallrye.health.registry.HealthRegistryImpl;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * MicroProfile Health's answer, built from SmallRye Health's registries, where camel-microprofile-health puts every
 * Camel check (the renewer's and Camel's own). The JSON is written here rather than by SmallRye's reporter: without a
 * CDI container, the reporter fails on the first DOWN (its status-change events are never injected).
 */
final class HealthEndpoint {

    /** Which checks an endpoint shows. */
    enum Group {
        ALL,
        LIVENESS,
        READINESS
    }

    /** The HTTP status and the JSON body. */
    record Answer(int status, byte[] body) {}

    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);
    private final ObjectMapper json = new ObjectMapper();

    Answer answer(Group group) throws java.io.IOException {
        Map<String, HealthCheckResponse> byName = new LinkedHashMap<>();
        if (group != Group.READINESS) {
            call(HealthType.LIVENESS).forEach(r -> byName.putIfAbsent(r.getName(), r));
        }
        if (group != Group.LIVENESS) {
            call(HealthType.READINESS).forEach(r -> byName.putIfAbsent(r.getName(), r));
        }
        boolean up = byName.values().stream().allMatch(r -> r.getStatus() == HealthCheckResponse.Status.UP);
        List<Map<String, Object>> checks = new ArrayList<>();
        for (HealthCheckResponse response : byName.values()) {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("name", response.getName());
            check.put("status", response.getStatus().name());
            response.getData().filter(d -> !d.isEmpty()).ifPresent(d -> check.put("data", d));
            checks.add(check);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", checks);
        return new Answer(up ? 200 : 503, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    }

    private static List<HealthCheckResponse> call(HealthType type) {
        HealthRegistryImpl registry = (HealthRegistryImpl) HealthRegistries.getRegistry(type);
        List<HealthCheckResponse> responses = new ArrayList<>();
        for (Uni<HealthCheckResponse> check : registry.getChecks(Map.of())) {
            responses.add(check.onFailure()
                    .recoverWithItem(e -> HealthCheckResponse.named("failed-check")
                            .down()
                            .withData("error", e.getClass().getSimpleName())
                            .build())
                    .await()
                    .atMost(CHECK_TIMEOUT));
        }
        return responses;
    }
}
