package io.kubevaultauthrenewer.e2e;

import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

/**
 * {@code renewNow()} over JMX, for bench/soak.sh: {@code RenewNow <port>} connects to a renewer started with the
 * remote-JMX flags of docs/operating.md on that loopback port ({@link Management#jmxOptions}), runs a cycle through
 * {@code kube-vault-auth-renewer:type=Renewer} as an operator's JConsole would, and prints the summary line it returns.
 * {@code RenewNow --free-port} prints a free port for the renewer's flags.
 */
public final class RenewNow {

    private RenewNow() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--free-port")) {
            System.out.println(Management.freePort());
            return;
        }
        try (JMXConnector jmx = Management.connect(Integer.parseInt(args[0]))) {
            Object summary = jmx.getMBeanServerConnection()
                    .invoke(new ObjectName("kube-vault-auth-renewer:type=Renewer"), "renewNow", null, null);
            System.out.println(summary);
        }
    }
}
