package io.kubevaultauthrenewer;

import io.kubevaultauthrenewer.config.CredentialsSettings;
import io.kubevaultauthrenewer.config.InvalidSettingsException;
import io.kubevaultauthrenewer.config.PodAnnotations;
import io.kubevaultauthrenewer.config.Setting;
import io.kubevaultauthrenewer.config.SettingsReader;
import io.kubevaultauthrenewer.init.InitConfiguration;
import io.kubevaultauthrenewer.init.InitFile;
import io.kubevaultauthrenewer.renewal.Exit;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.camel.main.Main;
import org.apache.camel.microprofile.health.CamelMicroProfileHealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the renewer: a Camel Main application whose YAML routes do the work. */
public final class Application {

    /** Exit status when a setting is wrong. */
    public static final int BAD_SETTINGS = 2;

    /** The system property that log4j2.xml chooses its layout by. */
    static final String LOG_FORMAT_PROPERTY = Setting.LOG_FORMAT.propertyKey();

    // before the first logger: the logging backend reads the format once, when it starts
    static {
        chooseLogFormat(System.getenv());
    }

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    /**
     * Sets the system property {@value #LOG_FORMAT_PROPERTY} to {@code text} or {@code json} from LOG_FORMAT, read by
     * the settings' reader before Camel starts (the environment, else the pod's annotations, a system property,
     * RENEWER_LOG_FORMAT, application.properties). Any other value leaves the text layout, and the settings report it (exit 2), with the
     * other problems.
     */
    static void chooseLogFormat(Map<String, String> environment) {
        SettingsReader.beforeCamel(withAnnotations(environment))
                .logFormat()
                .ifPresent(format -> System.setProperty(LOG_FORMAT_PROPERTY, format));
    }

    /** The environment with the pod's annotations' settings; as it is when they cannot be read (run says why). */
    private static Map<String, String> withAnnotations(Map<String, String> environment) {
        try {
            return PodAnnotations.merge(environment).environment();
        } catch (InvalidSettingsException e) {
            return environment;
        }
    }

    /** A failed init leaves no file: not even an earlier run's, which the app could take for this one's. */
    private static void removeEarlierFile(Map<String, String> environment) {
        Path file = CredentialsSettings.variablesFile(SettingsReader.beforeCamel(environment));
        if (file == null) {
            LOG.warn("Cannot remove the variables file after the failure: VARIABLES_FILE is not a valid path");
        } else {
            InitFile.removeAfterFailure(file);
        }
    }

    /** Logs each problem; a failed init removes an earlier run's file. */
    private static int badSettings(InvalidSettingsException bad, Mode mode, Map<String, String> environment) {
        bad.problems().forEach(problem -> LOG.error("Invalid setting: {}", problem));
        if (mode == Mode.INIT) {
            removeEarlierFile(environment);
        }
        return BAD_SETTINGS;
    }

    /** What the process does: the renewer (no argument), or the init container's one run ({@code init}). */
    enum Mode {
        RENEWER,
        INIT
    }

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
        return run(environment, main -> {}, args);
    }

    /**
     * Runs as {@link #run(Map, String...)} does, handing the Camel Main to {@code started} before it runs: a test that
     * runs the renewer in its own JVM stops it with {@link Main#completed()}.
     */
    public static int run(Map<String, String> given, Consumer<Main> started, String... args) throws Exception {
        Mode mode;
        if (args.length == 0) {
            mode = Mode.RENEWER;
        } else if (args.length == 1 && args[0].equals("init")) {
            mode = Mode.INIT;
        } else if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(Usage.text());
            return 0;
        } else if (args.length == 1 && args[0].equals("--version")) {
            System.out.println("kube-vault-auth-renewer " + Usage.version());
            return 0;
        } else {
            String unknown = args[0].equals("init") ? args[1] : args[0];
            System.err.println("kube-vault-auth-renewer: unknown argument '" + unknown
                    + "' (the modes: no argument for the renewer, init for the init container; --help)");
            return BAD_SETTINGS;
        }
        // once, before anything reads the environment: every reader after this sees the annotations' settings in it
        PodAnnotations.Merged annotations;
        try {
            annotations = PodAnnotations.merge(given);
        } catch (InvalidSettingsException bad) {
            return badSettings(bad, mode, given);
        }
        Map<String, String> environment = annotations.environment();
        if (annotations.file() != null) {
            LOG.info(
                    "Settings from the pod's annotations ({}): {}; set by the environment instead: {}",
                    annotations.file(),
                    annotations.taken().isEmpty() ? "none" : String.join(", ", annotations.taken()),
                    annotations.overridden().isEmpty() ? "none" : String.join(", ", annotations.overridden()));
        }
        Main main = new Main();
        // named, not scanned for: faster start
        if (mode == Mode.INIT) {
            // a one-shot run: no JMX, no health or metrics port
            main.configure().setJmxEnabled(false);
            main.configure().addConfiguration(new InitConfiguration(main.configure()));
        } else {
            main.configure().addConfiguration(new RenewerConfiguration(main.configure()));
        }
        // before the context is built, so that every Camel check lands in MicroProfile Health's registries
        main.bind("camel-microprofile-health", new CamelMicroProfileHealthCheckRegistry());
        Exit exit = new Exit(main::completed);
        main.bind(SettingsReader.ENVIRONMENT, environment);
        main.bind(RenewerConfiguration.EXIT, exit);
        started.accept(main);
        try {
            int code = main.run(new String[0]);
            return code != 0 ? code : exit.exitCode();
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidSettingsException bad) {
                    return badSettings(bad, mode, environment);
                }
            }
            throw e;
        }
    }
}
