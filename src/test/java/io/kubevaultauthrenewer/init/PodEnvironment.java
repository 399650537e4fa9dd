package io.kubevaultauthrenewer.init;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The init's settings as a pod's environment gives them, for the unit tests of its route steps. */
final class PodEnvironment {

    private PodEnvironment() {}

    /** VAULT_ADDR, VARIABLES_FILE in {@code dir}, no service account directory, then these name/value pairs. */
    static InitSettings settings(Path dir, String... namesAndValues) {
        Map<String, String> env = new HashMap<>();
        env.put("VAULT_ADDR", "https://vault.vault.svc:8200");
        env.put("VARIABLES_FILE", dir.resolve("variables").toString());
        env.put("RENEWER_SERVICE_ACCOUNT_DIR", dir.resolve("no-service-account").toString());
        for (int i = 0; i < namesAndValues.length; i += 2) {
            env.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return InitSettings.load(env, key -> Optional.empty());
    }
}
