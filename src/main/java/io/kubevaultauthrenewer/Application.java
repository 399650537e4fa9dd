package io.kubevaultauthrenewer;

import io.kubevaultauthrenewer.config.InvalidSettingsException;
import io.kubevaultauthrenewer.renewal.Exit;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.camel.main.Main;
import org.apache.camel.microprofile.health.CamelMicroProfileHealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the renewer: a Camel Main application whose YAML routes do the work. */
public final class Application {

    /** Exit status when a setting is wrong. */
    public static final int BAD_SETTINGS = 2;

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    private Application() {}

    public static void main(String[] args) throws Exception {
        // the log in UTF-8 whatever the locale: lease ids may hold any character, and Java 17 in a container with
        // no LANG would print each non-ASCII one as '?'
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        System.exit(run(System.getenv(), args));
    }

    /**
     * Runs until stopped (or after one cycle with RUN_ONCE).
     *
     * @return 0, 1 when a RUN_ONCE cycle found a problem or Vault rejected a token it never accepted, 2 when a
     *     setting is wrong
     */
    public static int run(Map<String, String> environment, String... args) throws Exception {
        Main main = new Main();
        // named, not scanned for: faster start
        main.configure().addConfiguration(new RenewerConfiguration(main.configure()));
        // before the context is built, so that every Camel check lands in MicroProfile Health's registries
        main.bind("camel-microprofile-health", new CamelMicroProfileHealthCheckRegistry());
        Exit exit = new Exit(main::completed);
        main.bind(RenewerConfiguration.ENVIRONMENT, environment);
        main.bind(RenewerConfiguration.EXIT, exit);
        try {
            int code = main.run(args);
            return code != 0 ? code : exit.exitCode();
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidSettingsException bad) {
                    bad.problems().forEach(problem -> LOG.error("Invalid setting: {}", problem));
                    return BAD_SETTINGS;
                }
            }
            throw e;
        }
    }
}
