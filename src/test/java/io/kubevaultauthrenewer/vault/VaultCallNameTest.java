package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VaultCallNameTest {

    @Test
    void namesTheRenewersSixCallsByTheirPaths() {
        assertThat(VaultCallName.of("/v1/auth/token/lookup-self")).isEqualTo("token_lookup");
        assertThat(VaultCallName.of("/v1/auth/token/renew-self")).isEqualTo("token_renew");
        assertThat(VaultCallName.of("/v1/auth/token/revoke-self")).isEqualTo("token_revoke");
        assertThat(VaultCallName.of("/v1/sys/leases/lookup")).isEqualTo("lease_lookup");
        assertThat(VaultCallName.of("/v1/sys/leases/renew")).isEqualTo("lease_renew");
        assertThat(VaultCallName.of("/v1/sys/leases/revoke")).isEqualTo("lease_revoke");
    }

    @Test
    void findsTheCallBehindAPrefixOfVaultAddrAndWithoutItsQuery() {
        assertThat(VaultCallName.of("/vault/v1/sys/leases/renew?x=1")).isEqualTo("lease_renew");
    }

    @Test
    void countsEveryOtherPathAsOtherSoThatNoPathBecomesALabelValue() {
        assertThat(VaultCallName.of("/v1/database/creds/app")).isEqualTo("other");
        assertThat(VaultCallName.of("/v1/auth/kubernetes/login")).isEqualTo("other");
        assertThat(VaultCallName.of("/v1/sys/leases/renew/extra")).isEqualTo("other");
        assertThat(VaultCallName.of("/sys/leases/renew")).isEqualTo("other");
        assertThat(VaultCallName.of(null)).isEqualTo("other");
    }
}
