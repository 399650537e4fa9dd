package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VaultAnswerTest {

    private static final String TOKEN = "hvs.CAESIJsecretTOKENvalue0123456789";

    private static final String LOOKUP_SELF = """
            {
              "request_id": "8609694a-cdbc-db9b-d345-e782dbb562ed",
              "lease_id": "",
              "renewable": false,
              "lease_duration": 0,
              "data": {
                "accessor": "8609694a-cdbc-db9b-d345-e782dbb562ed",
                "creation_time": 1523979354,
                "creation_ttl": 2764800,
                "display_name": "kubernetes-app",
                "entity_id": "7d2e3179-f69b-450c-7179-ac8ee8bd8ca9",
                "expire_time": "2018-05-19T11:35:54.466476215-04:00",
                "explicit_max_ttl": 0,
                "id": "%s",
                "issue_time": "2018-04-17T11:35:54.466476078-04:00",
                "meta": {"role": "app", "service_account_name": "app"},
                "num_uses": 0,
                "orphan": true,
                "path": "auth/kubernetes/login",
                "policies": ["default", "app"],
                "renewable": true,
                "ttl": 2764790,
                "type": "service"
              },
              "wrap_info": null,
              "warnings": null,
              "auth": null
            }
            """.formatted(TOKEN);

    private static final String RENEW_SELF = """
            {
              "request_id": "f3f1b0a3-0f8e-4b1c-9b3e-3b8f4f3a0c11",
              "lease_id": "",
              "renewable": false,
              "lease_duration": 0,
              "data": null,
              "wrap_info": null,
              "warnings": [
                "TTL of \\"1h\\" exceeded the effective max_ttl of \\"59m55s\\"; TTL value is capped accordingly"
              ],
              "auth": {
                "client_token": "%s",
                "accessor": "0e9e354a-520f-df04-6867-ee81cae3d42d",
                "policies": ["default", "app"],
                "token_policies": ["default", "app"],
                "metadata": {"role": "app"},
                "lease_duration": 3595,
                "renewable": true,
                "entity_id": "",
                "token_type": "service",
                "orphan": true
              }
            }
            """.formatted(TOKEN);

    private static final String LEASE_LOOKUP = """
            {
              "request_id": "a1",
              "lease_id": "",
              "renewable": false,
              "lease_duration": 0,
              "data": {
                "expire_time": "2024-01-01T12:00:00.000000Z",
                "id": "database/creds/app/AbCd1234",
                "issue_time": "2024-01-01T11:00:00.000000Z",
                "last_renewal": null,
                "renewable": true,
                "ttl": 3599
              },
              "wrap_info": null,
              "warnings": null,
              "auth": null
            }
            """;

    private static final String LEASE_RENEW = """
            {
              "request_id": "b2",
              "lease_id": "database/creds/app/AbCd1234",
              "renewable": true,
              "lease_duration": 3600,
              "data": null,
              "wrap_info": null,
              "warnings": null,
              "auth": null
            }
            """;

    private final ObjectMapper json = new ObjectMapper();

    private VaultAnswer read(String body) throws Exception {
        return json.readValue(body, VaultAnswer.class);
    }

    // ---- reading ----
    @Test
    void readsALookupSelfAnswer() throws Exception {
        VaultAnswer.Data data = read(LOOKUP_SELF).lookupData("auth/token/lookup-self");

        assertThat(data.ttl()).isEqualTo(2_764_790L);
        assertThat(data.creationTtl()).isEqualTo(2_764_800L);
        assertThat(data.renewable()).isTrue();
        assertThat(data.accessor()).isEqualTo("8609694a-cdbc-db9b-d345-e782dbb562ed");
        assertThat(data.expireTime()).isEqualTo("2018-05-19T11:35:54.466476215-04:00");
        assertThat(data.issueTime()).isEqualTo("2018-04-17T11:35:54.466476078-04:00");
        assertThat(data.explicitMaxTtl()).isZero();
        assertThat(data.period()).isNull();
    }

    @Test
    void readsARootTokenWithNoExpiry() throws Exception {
        String body = """
                {"data": {"creation_ttl": 0, "ttl": 0, "expire_time": null, "renewable": false,
                          "explicit_max_ttl": 0, "id": "%s"}}
                """.formatted(TOKEN);

        VaultAnswer.Data data = read(body).lookupData("auth/token/lookup-self");

        assertThat(data.ttl()).isZero();
        assertThat(data.expireTime()).isNull();
        assertThat(data.renewable()).isFalse();
        assertThat(data.neverExpires()).isTrue();
    }

    @Test
    void tellsALeaseWithLessThanASecondLeftFromOneThatNeverExpires() throws Exception {
        String body = "{\"data\": {\"ttl\": 0, \"expire_time\": \"2024-01-01T12:00:00.5Z\", \"renewable\": true}}";

        VaultAnswer.Data data = read(body).lookupData("sys/leases/lookup");

        assertThat(data.ttl()).isZero();
        assertThat(data.neverExpires()).isFalse();
    }

    @Test
    void doesNotTakeAPositiveTtlWithoutExpireTimeForNeverExpiring() throws Exception {
        assertThat(read("{\"data\": {\"ttl\": 5}}").lookupData("x").neverExpires())
                .isFalse();
    }

    @Test
    void readsThePeriodOfAPeriodicToken() throws Exception {
        String body = "{\"data\": {\"ttl\": 100, \"period\": 86400, \"last_renewal_time\": 1700000000}}";

        assertThat(read(body).lookupData("lookup-self").period()).isEqualTo(86_400L);
    }

    @Test
    void readsARenewSelfAnswerWithItsWarning() throws Exception {
        VaultAnswer answer = read(RENEW_SELF);

        assertThat(answer.grantedTokenDuration("auth/token/renew-self")).isEqualTo(3595L);
        assertThat(answer.auth().renewable()).isTrue();
        assertThat(answer.auth().accessor()).isEqualTo("0e9e354a-520f-df04-6867-ee81cae3d42d");
        assertThat(answer.warningsOrEmpty())
                .containsExactly(
                        "TTL of \"1h\" exceeded the effective max_ttl of \"59m55s\"; TTL value is capped accordingly");
    }

    @Test
    void readsALeaseLookupAnswerNestedInData() throws Exception {
        VaultAnswer.Data data = read(LEASE_LOOKUP).lookupData("sys/leases/lookup");

        assertThat(data.ttl()).isEqualTo(3599L);
        assertThat(data.renewable()).isTrue();
        assertThat(data.lastRenewal()).isNull();
        assertThat(data.expireTime()).isEqualTo("2024-01-01T12:00:00.000000Z");
    }

    @Test
    void readsALeaseRenewAnswer() throws Exception {
        VaultAnswer answer = read(LEASE_RENEW);

        assertThat(answer.grantedLeaseDuration("sys/leases/renew")).isEqualTo(3600L);
        assertThat(answer.leaseId()).isEqualTo("database/creds/app/AbCd1234");
        assertThat(answer.renewable()).isTrue();
        assertThat(answer.warningsOrEmpty()).isEmpty();
    }

    @Test
    void ignoresFieldsItDoesNotKnow() throws Exception {
        String body = "{\"lease_duration\": 60, \"brand_new_field\": {\"x\": [1, 2]}, \"mount_type\": \"database\"}";

        assertThat(read(body).grantedLeaseDuration("sys/leases/renew")).isEqualTo(60L);
    }

    @Test
    void givesNoWarningsWhenVaultSendsNull() throws Exception {
        assertThat(read("{\"warnings\": null}").warningsOrEmpty()).isEmpty();
        assertThat(read("{}").warningsOrEmpty()).isEmpty();
    }

    // ---- keeping the token out ----
    @Test
    void doesNotKeepTheTokenFromALookupSelfAnswer() throws Exception {
        VaultAnswer answer = read(LOOKUP_SELF);

        assertThat(answer.toString()).doesNotContain(TOKEN).contains("ttl=2764790");
        assertThat(json.writeValueAsString(answer)).doesNotContain(TOKEN);
    }

    @Test
    void doesNotKeepTheTokenFromARenewSelfAnswer() throws Exception {
        VaultAnswer answer = read(RENEW_SELF);

        assertThat(answer.toString()).doesNotContain(TOKEN).contains("leaseDuration=3595");
        assertThat(json.writeValueAsString(answer)).doesNotContain(TOKEN);
    }

    @Test
    void hasNoComponentForTheToken() {
        assertThat(componentNames(VaultAnswer.class)).doesNotContain("id", "clientToken", "token");
        assertThat(componentNames(VaultAnswer.Data.class)).doesNotContain("id", "clientToken", "token");
        assertThat(componentNames(VaultAnswer.Auth.class)).doesNotContain("id", "clientToken", "token");
    }

    private static List<String> componentNames(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents())
                .map(RecordComponent::getName)
                .toList();
    }

    // ---- checking ----
    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"data\": null}", "{\"data\": {}}", "{\"data\": {\"ttl\": null}}"})
    void refusesALookupAnswerWithoutDataTtl(String body) throws Exception {
        VaultAnswer answer = read(body);

        assertThatThrownBy(() -> answer.lookupData("sys/leases/lookup"))
                .isInstanceOf(UnexpectedAnswerException.class)
                .hasMessage("Vault's answer to sys/leases/lookup has no data.ttl");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"lease_duration\": null}", "{\"auth\": {\"lease_duration\": 60}}"})
    void refusesALeaseRenewalAnswerWithoutLeaseDuration(String body) throws Exception {
        VaultAnswer answer = read(body);

        assertThatThrownBy(() -> answer.grantedLeaseDuration("sys/leases/renew"))
                .isInstanceOf(UnexpectedAnswerException.class)
                .hasMessage("Vault's answer to sys/leases/renew has no lease_duration");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"auth\": null}", "{\"auth\": {}}", "{\"lease_duration\": 60, \"auth\": {}}"})
    void refusesATokenRenewalAnswerWithoutAuthLeaseDuration(String body) throws Exception {
        VaultAnswer answer = read(body);

        assertThatThrownBy(() -> answer.grantedTokenDuration("auth/token/renew-self"))
                .isInstanceOf(UnexpectedAnswerException.class)
                .hasMessage("Vault's answer to auth/token/renew-self has no auth.lease_duration");
    }

    @Test
    void acceptsAZeroTtl() throws Exception {
        assertThat(read("{\"data\": {\"ttl\": 0}}").lookupData("x").ttl()).isZero();
        assertThat(read("{\"lease_duration\": 0}").grantedLeaseDuration("x")).isZero();
        assertThat(read("{\"auth\": {\"lease_duration\": 0}}").grantedTokenDuration("x"))
                .isZero();
    }
}
