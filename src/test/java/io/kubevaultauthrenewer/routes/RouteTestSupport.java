package io.kubevaultauthrenewer.routes;

import io.kubevaultauthrenewer.e2e.AgainstTheEmulator;
import java.util.Map;

/**
 * What every route test starts from: the end-to-end tests' fresh Vault emulator and variables file, and the
 * environment of a renewer run in this JVM.
 */
abstract class RouteTestSupport extends AgainstTheEmulator {

    /** The environment of a renewer pointed at the emulator and the variables file, and {@code more} pairs. */
    Map<String, String> renewerEnv(int intervalSeconds, boolean runOnce, String... more) {
        Map<String, String> env = renewerEnv(intervalSeconds, runOnce);
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }
}
