package io.kubevaultauthrenewer.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Delay;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Drop;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RawBody;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Status;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Vault emulator over real HTTP, held against the project's notes on Vault's API (shared/VAULT-API.md): paths,
 * envelopes, status codes, error texts, TTL rules, leases dying with their token, sealing, namespaces and faults.
 * TTLs run on a {@link ShiftableClock}: real time plus jumps, so a TTL read back may be a second short.
 */
class VaultEmulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);
    private static final Duration ONE_HOUR = Duration.ofHours(1);
    /**
     * Less than a second before a max TTL, for a token or lease issued {@link #HALF_A_SECOND} past a whole second: the
     * clock truncated to the second has reached the max (nothing left to grant), yet the token or lease still lives.
     */
    private static final Duration JUST_BEFORE = Duration.ofMillis(300);

    private static final int HALF_A_SECOND = 500;

    private final ShiftableClock clock = new ShiftableClock();
    private final VaultEmulator vault = VaultEmulator.start(clock);
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @AfterEach
    void stop() {
        vault.close();
    }

    // ----------------------------------------------------------------------------------------------
    // lookup-self
    // ----------------------------------------------------------------------------------------------

    @Nested
    class LookupSelf {

        @Test
        void answersAGetWithXVaultTokenInVaultsEnvelope() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = call("GET", "/v1/auth/token/lookup-self", token, null);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            JsonNode body = reply.json();
            assertThat(body.get("request_id").asText()).isNotBlank();
            assertThat(body.get("lease_id").isTextual()).isTrue();
            assertThat(body.get("lease_id").asText()).isEmpty();
            assertThat(body.get("renewable").isBoolean()).isTrue();
            assertThat(body.get("renewable").asBoolean()).isFalse();
            assertThat(body.get("lease_duration").isIntegralNumber()).isTrue();
            assertThat(body.get("lease_duration").asLong()).isZero();
            assertThat(body.get("data").isObject()).isTrue();
            assertThat(body.has("wrap_info")).isTrue();
            assertThat(body.get("wrap_info").isNull()).isTrue();
            assertThat(body.has("warnings")).isTrue();
            assertThat(body.get("warnings").isNull()).isTrue();
            assertThat(body.has("auth")).isTrue();
            assertThat(body.get("auth").isNull()).isTrue();
        }

        @Test
        void answersAPostWithXVaultTokenLikeAGet() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = call("POST", "/v1/auth/token/lookup-self", token, "");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("data").get("accessor").asText()).isEqualTo(token.accessor);
        }

        @Test
        void acceptsTheTokenAsAnAuthorizationBearerHeader() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply get = send(request("/v1/auth/token/lookup-self")
                    .header("Authorization", "Bearer " + token.id)
                    .GET());
            Reply post = send(request("/v1/auth/token/lookup-self")
                    .header("Authorization", "Bearer " + token.id)
                    .POST(HttpRequest.BodyPublishers.noBody()));

            assertThat(get.status()).isEqualTo(200);
            assertThat(get.json().get("data").get("id").asText()).isEqualTo(token.id);
            assertThat(post.status()).isEqualTo(200);
            assertThat(post.json().get("data").get("id").asText()).isEqualTo(token.id);
        }

        @Test
        void describesTheTokenInData() throws Exception {
            Instant before = clock.instant();
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).maxTtl(ONE_HOUR));

            JsonNode data = lookupSelf(token).json().get("data");

            assertThat(data.get("accessor").asText()).isEqualTo(token.accessor);
            assertThat(data.get("id").asText()).isEqualTo(token.id);
            assertThat(data.get("creation_ttl").asLong()).isEqualTo(600);
            assertThat(data.get("ttl").asLong()).isBetween(599L, 600L);
            assertThat(data.get("explicit_max_ttl").asLong()).isEqualTo(3600);
            assertThat(data.get("renewable").asBoolean()).isTrue();
            assertThat(data.get("type").asText()).isEqualTo("service");
            Instant issued = Instant.parse(data.get("issue_time").asText());
            assertThat(issued).isBetween(before, clock.instant());
            assertThat(data.get("creation_time").asLong()).isEqualTo(issued.getEpochSecond());
            assertThat(Instant.parse(data.get("expire_time").asText())).isEqualTo(issued.plus(TEN_MINUTES));
            assertThat(data.has("period")).isFalse();
            assertThat(data.has("last_renewal")).isFalse();
        }

        @Test
        void countsTheTtlDownAsTheClockAdvances() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            JsonNode first = lookupSelf(token).json().get("data");

            clock.advance(Duration.ofMinutes(4));
            JsonNode later = lookupSelf(token).json().get("data");

            assertThat(later.get("ttl").asLong())
                    .isBetween(first.get("ttl").asLong() - 241, first.get("ttl").asLong() - 240);
            assertThat(later.get("ttl").asLong()).isBetween(359L, 360L);
            assertThat(later.get("creation_ttl").asLong()).isEqualTo(600);
            assertThat(later.get("expire_time").asText())
                    .isEqualTo(first.get("expire_time").asText());
        }

        @Test
        void describesARootTokenAsOneWithoutTtl() throws Exception {
            Token root = vault.createRootToken();

            Reply reply = lookupSelf(root);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode data = reply.json().get("data");
            assertThat(data.get("ttl").asLong()).isZero();
            assertThat(data.get("creation_ttl").asLong()).isZero();
            assertThat(data.has("expire_time")).isTrue();
            assertThat(data.get("expire_time").isNull()).isTrue();
            assertThat(data.get("renewable").asBoolean()).isFalse();
            assertThat(data.get("explicit_max_ttl").asLong()).isZero();
        }

        @Test
        void showsWhenTheTokenWasLastRenewed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            clock.advance(Duration.ofMinutes(3));
            Instant renewing = clock.instant();

            renewSelf(token, null);
            JsonNode data = lookupSelf(token).json().get("data");

            Instant lastRenewal = Instant.parse(data.get("last_renewal").asText());
            assertThat(lastRenewal).isBetween(renewing, clock.instant());
            assertThat(data.get("last_renewal_time").asLong()).isEqualTo(lastRenewal.getEpochSecond());
        }
    }

    // ----------------------------------------------------------------------------------------------
    // lookup of another token
    // ----------------------------------------------------------------------------------------------

    @Nested
    class TokenLookup {

        @Test
        void describesTheNamedTokenWithTheSameDataAsItsLookupSelf() throws Exception {
            Token root = vault.createRootToken();
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).period(TEN_MINUTES));
            clock.freeze(); // the same ttl in every answer

            Reply post = tokenLookup(root, "POST", token);
            Reply put = tokenLookup(root, "PUT", token);

            assertThat(post.status()).isEqualTo(200);
            assertThat(post.header("Content-Type")).startsWith("application/json");
            JsonNode data = post.json().get("data");
            assertThat(data).isEqualTo(lookupSelf(token).json().get("data"));
            assertThat(data.get("accessor").asText()).isEqualTo(token.accessor);
            assertThat(data.get("period").asLong()).isEqualTo(600);
            assertThat(put.status()).isEqualTo(200);
            assertThat(put.json().get("data")).isEqualTo(data);
            assertThat(post.json().get("warnings").isNull()).isTrue();
            assertThat(post.json().get("auth").isNull()).isTrue();
        }

        @Test
        void showsLastRenewalOnlyOnceTheTokenIsRenewed() throws Exception {
            Token root = vault.createRootToken();
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            JsonNode before = tokenLookup(root, "POST", token).json().get("data");
            clock.advance(Duration.ofMinutes(3));
            Instant renewing = clock.instant();

            renewSelf(token, null);
            JsonNode after = tokenLookup(root, "POST", token).json().get("data");

            assertThat(before.has("last_renewal")).isFalse();
            assertThat(Instant.parse(after.get("last_renewal").asText())).isBetween(renewing, clock.instant());
        }

        @Test
        void looksUpTheCallerWhenNoTokenIsNamed() throws Exception {
            Token root = vault.createRootToken();

            Reply empty = call("POST", "/v1/auth/token/lookup", root, "{}");
            Reply get = call("GET", "/v1/auth/token/lookup", root, null);

            assertThat(empty.status()).isEqualTo(200);
            assertThat(empty.json().get("data").get("accessor").asText()).isEqualTo(root.accessor);
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.json().get("data").get("accessor").asText()).isEqualTo(root.accessor);
        }

        @Test
        void saysBadTokenWith403ForATokenThatDoesNotExist() throws Exception {
            Token root = vault.createRootToken();
            Token revoked = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token expired = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            vault.revokeToken(revoked);
            clock.advance(TEN_MINUTES.plusSeconds(1));

            List<Reply> replies = List.of(
                    call("POST", "/v1/auth/token/lookup", root, "{\"token\":\"hvs.NotAToken\"}"),
                    tokenLookup(root, "POST", revoked),
                    tokenLookup(root, "POST", expired));

            for (Reply reply : replies) {
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.errors()).containsExactly("bad token");
            }
        }

        @Test
        void deniesACallerWithoutAValidToken() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token revoked = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.revokeToken(revoked);

            for (Reply reply : List.of(tokenLookup(null, "POST", token), tokenLookup(revoked, "POST", token))) {
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.errors()).singleElement().asString().contains("permission denied", "invalid token");
            }
        }

        @Test
        void deniesATokenWithOnlyTheDefaultPolicyEvenAboutItself() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token other = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            for (Reply reply : List.of(tokenLookup(token, "POST", other), tokenLookup(token, "POST", token))) {
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.errors())
                        .singleElement()
                        .asString()
                        .contains("permission denied")
                        .doesNotContain("invalid token");
            }
        }

        @Test
        void answersADeleteWith405() throws Exception {
            Token root = vault.createRootToken();

            assertThat(call("DELETE", "/v1/auth/token/lookup", root, null).status())
                    .isEqualTo(405);
        }

        @Test
        void recordsTheNamedTokenButPrintsTheRequestWithoutIt() throws Exception {
            Token root = vault.createRootToken();
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            tokenLookup(root, "POST", token);

            RecordedRequest lookup = vault.requests("/v1/auth/token/lookup").get(0);
            assertThat(lookup.body()).contains(token.id);
            assertThat(lookup.toString())
                    .contains("POST /v1/auth/token/lookup -> 200", "\"token\":\"****\"")
                    .doesNotContain(token.id, root.id);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // 403 permission denied
    // ----------------------------------------------------------------------------------------------

    @Nested
    class PermissionDenied {

        @Test
        void deniesAnUnknownToken() throws Exception {
            Reply reply = send(request("/v1/auth/token/lookup-self")
                    .header("X-Vault-Token", "hvs.NotAToken")
                    .GET());

            assertPermissionDenied(reply);
        }

        @Test
        void deniesARevokedToken() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            vault.revokeToken(token);

            assertPermissionDenied(lookupSelf(token));
            assertPermissionDenied(renewSelf(token, null));
        }

        @Test
        void deniesATokenOnceItsTtlHasPassed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            assertThat(lookupSelf(token).status()).isEqualTo(200);

            clock.advance(TEN_MINUTES.plusSeconds(1));

            assertPermissionDenied(lookupSelf(token));
            assertPermissionDenied(renewSelf(token, null));
        }

        @Test
        void deniesACallWithoutToken() throws Exception {
            assertPermissionDenied(call("GET", "/v1/auth/token/lookup-self", null, null));
            assertPermissionDenied(call("POST", "/v1/auth/token/renew-self", null, ""));
            assertPermissionDenied(call("PUT", "/v1/sys/leases/lookup", null, "{\"lease_id\":\"a/b/c\"}"));
            assertPermissionDenied(call("PUT", "/v1/sys/leases/renew", null, "{\"lease_id\":\"a/b/c\"}"));
        }

        private void assertPermissionDenied(Reply reply) throws IOException {
            assertThat(reply.status()).isEqualTo(403);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("permission denied"));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // renew-self
    // ----------------------------------------------------------------------------------------------

    @Nested
    class RenewSelf {

        @Test
        void grantsTheCreationTtlWhenNoIncrementIsGiven() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            clock.advance(Duration.ofMinutes(7));

            Reply reply = renewSelf(token, null);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("auth").get("lease_duration").asLong()).isEqualTo(600);
            assertThat(body.get("auth").get("renewable").asBoolean()).isTrue();
            assertThat(body.get("auth").get("client_token").asText()).isEqualTo(token.id);
            assertThat(body.get("warnings").isNull()).isTrue();
            assertThat(lookupSelf(token).json().get("data").get("ttl").asLong()).isBetween(599L, 600L);
        }

        @Test
        void grantsTheIncrementGivenAsADurationString() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = renewSelf(token, "{\"increment\":\"1h\"}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("auth").get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(lookupSelf(token).json().get("data").get("ttl").asLong()).isBetween(3599L, 3600L);
        }

        @Test
        void grantsTheIncrementGivenInSeconds() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = renewSelf(token, "{\"increment\":7200}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("auth").get("lease_duration").asLong()).isEqualTo(7200);
        }

        @Test
        void capsTheTtlAtTheMaxTtlWithVaultsWarning() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).maxTtl(ONE_HOUR));
            clock.advance(Duration.ofSeconds(5));

            Reply reply = renewSelf(token, "{\"increment\":\"1h\"}");

            assertThat(reply.status()).isEqualTo(200);
            long granted = reply.json().get("auth").get("lease_duration").asLong();
            // 59m55s left, less the real time between creating the token and renewing it
            assertThat(granted).isBetween(3594L, 3595L);
            assertThat(reply.warnings()).containsExactly(cappedWarning(granted));
            assertThat(lookupSelf(token).json().get("data").get("ttl").asLong()).isBetween(granted - 1, granted);
        }

        @Test
        void refusesARootTokenWithInvalidLeaseId() throws Exception {
            Token root = vault.createRootToken();

            Reply reply = renewSelf(root, null);

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("invalid lease ID"));
        }

        @Test
        void refusesATokenThatIsNotRenewable() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).notRenewable());

            Reply reply = renewSelf(token, null);

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease is not renewable"));
            assertThat(lookupSelf(token).json().get("data").get("renewable").asBoolean())
                    .isFalse();
        }

        @Test
        void refusesATokenThatHasReachedItsMaxTtlWith500AndTheMultierrorText() throws Exception {
            freezeAt(HALF_A_SECOND);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).maxTtl(ONE_HOUR));

            clock.advance(ONE_HOUR.minus(JUST_BEFORE));
            Reply reply = renewSelf(token, null);

            assertError(reply, 500, "1 error occurred:\n\t* past the max TTL, cannot renew\n\n");
            assertThat(vault.isAlive(token)).isTrue();
        }

        @Test
        void givesAPeriodicTokenItsPeriodWhateverTheIncrement() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).period(ONE_HOUR));
            clock.advance(Duration.ofMinutes(30));

            Reply reply = renewSelf(token, "{\"increment\":\"10m\"}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("auth").get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(reply.json().get("warnings").isNull()).isTrue();
            JsonNode data = lookupSelf(token).json().get("data");
            assertThat(data.get("period").asLong()).isEqualTo(3600);
            assertThat(data.get("ttl").asLong()).isBetween(3599L, 3600L);
        }

        @Test
        void capsAPeriodicTokenAtItsExplicitMaxTtlWithTheTtlWarning() throws Exception {
            // CalculateTTL: the period (1h) is within the max (90m), so no period warning; the explicit max then caps
            // what is left of it with the TTL warning
            freezeAt(0);
            Token token = vault.createToken(
                    TokenSpec.ttl(TEN_MINUTES).period(ONE_HOUR).maxTtl(Duration.ofMinutes(90)));
            clock.advance(Duration.ofMinutes(45));

            Reply reply = renewSelf(token, null);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().at("/auth/lease_duration").asLong()).isEqualTo(2700);
            assertThat(reply.warnings()).containsExactly(capWarning("TTL", "1h", "45m"));
        }

        @Test
        void cutsAPeriodAboveTheMountsMaxWithThePeriodWarningAndRenewsItForeverWithoutExplicitMax() throws Exception {
            vault.tuneAuthMount("token", ONE_HOUR);
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).period(Duration.ofHours(2)));

            clock.advance(Duration.ofMinutes(50));
            Reply first = renewSelf(token, null);
            clock.advance(Duration.ofMinutes(50));
            Reply second = renewSelf(token, null);

            assertThat(lookupSelf(token).json().at("/data/creation_ttl").asLong())
                    .isEqualTo(3600);
            for (Reply reply : List.of(first, second)) {
                assertThat(reply.status()).isEqualTo(200);
                assertTokenGrant(reply, 3600, capWarning("period", "2h", "1h"));
            }
        }

        @Test
        void answersAGetWith405() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = call("GET", "/v1/auth/token/renew-self", token, null);

            assertThat(reply.status()).isEqualTo(405);
            assertThat(reply.json().get("errors").isArray()).isTrue();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // sys/leases/lookup
    // ----------------------------------------------------------------------------------------------

    @Nested
    class LeaseLookup {

        @Test
        void describesTheLeaseInDataOnAPut() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Instant before = clock.instant();
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply = leaseLookup(token, "PUT", lease.id);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("lease_id").asText()).isEmpty();
            JsonNode data = body.get("data");
            assertThat(data.get("id").asText()).isEqualTo(lease.id);
            Instant issued = Instant.parse(data.get("issue_time").asText());
            assertThat(issued).isBetween(before, clock.instant());
            assertThat(Instant.parse(data.get("expire_time").asText())).isEqualTo(issued.plus(Duration.ofMinutes(30)));
            assertThat(data.has("last_renewal")).isTrue();
            assertThat(data.get("last_renewal").isNull()).isTrue();
            assertThat(data.get("renewable").asBoolean()).isTrue();
            assertThat(data.get("ttl").asLong()).isBetween(1799L, 1800L);
        }

        @Test
        void answersAPostLikeAPut() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "aws/creds/deploy", Duration.ofMinutes(30), ONE_HOUR, false);

            Reply reply = leaseLookup(token, "POST", lease.id);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("data").get("id").asText()).isEqualTo(lease.id);
            assertThat(reply.json().get("data").get("renewable").asBoolean()).isFalse();
        }

        @Test
        void countsTheTtlDownAsTheClockAdvances() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            clock.advance(Duration.ofMinutes(12));

            assertThat(leaseLookup(token, "PUT", lease.id)
                            .json()
                            .get("data")
                            .get("ttl")
                            .asLong())
                    .isBetween(1079L, 1080L);
        }

        @Test
        void setsLastRenewalOnceTheLeaseIsRenewed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);
            clock.advance(Duration.ofMinutes(10));
            Instant renewing = clock.instant();

            assertThat(leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}").status())
                    .isEqualTo(200);
            JsonNode data = leaseLookup(token, "PUT", lease.id).json().get("data");

            assertThat(data.get("last_renewal").isTextual()).isTrue();
            Instant lastRenewal = Instant.parse(data.get("last_renewal").asText());
            assertThat(lastRenewal).isBetween(renewing, clock.instant());
            assertThat(Instant.parse(data.get("expire_time").asText()))
                    .isEqualTo(lastRenewal.plus(Duration.ofMinutes(30)));
        }

        @Test
        void saysInvalidLeaseForAnUnknownLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            assertInvalidLease(leaseLookup(token, "PUT", "database/creds/app/NoSuchLease"));
        }

        @Test
        void saysInvalidLeaseForAnExpiredLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);

            clock.advance(TEN_MINUTES.plusSeconds(1));

            assertInvalidLease(leaseLookup(token, "PUT", lease.id));
        }

        @Test
        void saysInvalidLeaseForARevokedLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);

            vault.revokeLease(lease);

            assertInvalidLease(leaseLookup(token, "PUT", lease.id));
        }

        @Test
        void saysLeaseIdMustBeSpecifiedForAnEmptyId() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            for (Reply reply :
                    List.of(leaseLookup(token, "PUT", ""), call("PUT", "/v1/sys/leases/lookup", token, "{}"))) {
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease_id must be specified"));
            }
        }

        @Test
        void answersAGetWith405() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/sys/leases/lookup", token, null);

            assertThat(reply.status()).isEqualTo(405);
            assertThat(reply.json().get("errors").isArray()).isTrue();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // sys/leases/renew
    // ----------------------------------------------------------------------------------------------

    @Nested
    class LeaseRenew {

        @Test
        void answersWithLeaseIdRenewableAndLeaseDurationAtTheTopLevel() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":600}");

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("lease_id").asText()).isEqualTo(lease.id);
            assertThat(body.get("renewable").asBoolean()).isTrue();
            assertThat(body.get("lease_duration").asLong()).isEqualTo(600);
            assertThat(body.get("request_id").asText()).isNotBlank();
            assertThat(body.get("warnings").isNull()).isTrue();
            assertThat(body.has("data")).isTrue();
            assertThat(body.has("wrap_info")).isTrue();
            assertThat(body.has("auth")).isTrue();
        }

        @Test
        void replacesTheRemainingTtlWithTheIncrementRatherThanAddingToIt() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ofHours(4), true);
            clock.advance(Duration.ofMinutes(5));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":600}");

            assertThat(reply.json().get("lease_duration").asLong()).isEqualTo(600);
            assertThat(leaseLookup(token, "PUT", lease.id)
                            .json()
                            .get("data")
                            .get("ttl")
                            .asLong())
                    .isBetween(599L, 600L);
        }

        @Test
        void grantsTheLeasesOwnTtlWhenNoIncrementIsGiven() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);
            clock.advance(Duration.ofMinutes(20));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertThat(reply.json().get("lease_duration").asLong()).isEqualTo(1800);
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }

        @Test
        void capsTheTtlAtTheMaxTtlWithVaultsWarning() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);
            clock.advance(Duration.ofSeconds(5));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":3600}");

            assertThat(reply.status()).isEqualTo(200);
            long granted = reply.json().get("lease_duration").asLong();
            assertThat(granted).isBetween(3594L, 3595L);
            assertThat(reply.warnings()).containsExactly(cappedWarning(granted));
        }

        @Test
        void takesTheLeaseIdFromThePathSuffix() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply = call("PUT", "/v1/sys/leases/renew/" + lease.id, token, "{\"increment\":600}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("lease_id").asText()).isEqualTo(lease.id);
            assertThat(reply.json().get("lease_duration").asLong()).isEqualTo(600);
        }

        @Test
        void prefersTheLeaseIdInTheBodyToThePathSuffix() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease inBody = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);
            Lease inPath = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply =
                    call("PUT", "/v1/sys/leases/renew/" + inPath.id, token, "{\"lease_id\":\"" + inBody.id + "\"}");

            assertThat(reply.json().get("lease_id").asText()).isEqualTo(inBody.id);
            assertThat(vault.renewals(inBody)).isEqualTo(1);
            assertThat(vault.renewals(inPath)).isZero();
        }

        @Test
        void renewsOnTheLegacyPathToo() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply inBody =
                    call("POST", "/v1/sys/renew", token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":900}");
            Reply inPath = call("PUT", "/v1/sys/renew/" + lease.id, token, "{\"increment\":1200}");

            assertThat(inBody.status()).isEqualTo(200);
            assertThat(inBody.json().get("lease_id").asText()).isEqualTo(lease.id);
            assertThat(inBody.json().get("lease_duration").asLong()).isEqualTo(900);
            assertThat(inPath.status()).isEqualTo(200);
            assertThat(inPath.json().get("lease_duration").asLong()).isEqualTo(1200);
            assertThat(vault.renewals(lease)).isEqualTo(2);
        }

        @Test
        void saysLeaseNotFoundForAnUnknownOrExpiredLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);
            clock.advance(TEN_MINUTES.plusSeconds(1));

            for (String id : List.of("database/creds/app/NoSuchLease", lease.id)) {
                Reply reply = leaseRenew(token, "{\"lease_id\":\"" + id + "\"}");
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease not found"));
            }
        }

        @Test
        void saysLeaseIsNotRenewable() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "aws/creds/deploy", Duration.ofMinutes(30), ONE_HOUR, false);

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease is not renewable"));
            assertThat(vault.renewals(lease)).isZero();
        }

        @Test
        void saysPastTheMaxTtlWith400AndThePlainTextOnceTheLeaseHasReachedIt() throws Exception {
            freezeAt(HALF_A_SECOND);
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, ONE_HOUR, true);

            clock.advance(ONE_HOUR.minus(JUST_BEFORE));
            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertError(reply, 400, "past the max TTL, cannot renew");
            assertThat(vault.isAlive(lease)).isTrue();
        }

        @Test
        void saysLeaseIdMustBeSpecifiedWithoutAnId() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = leaseRenew(token, "{\"increment\":600}");

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease_id must be specified"));
        }

        @Test
        void refusesToRenewATokenThroughThisEndpoint() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"auth/kubernetes/login/AbCd\"}");

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors())
                    .anySatisfy(e -> assertThat(e).contains("tokens cannot be renewed through this endpoint"));
        }

        @Test
        void answersAGetWith405() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            assertThat(call("GET", "/v1/sys/leases/renew", token, null).status())
                    .isEqualTo(405);
            assertThat(call("GET", "/v1/sys/renew", token, null).status()).isEqualTo(405);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Tokens own their leases
    // ----------------------------------------------------------------------------------------------

    @Nested
    class TokensOwnTheirLeases {

        @Test
        void aTokensExpiryRevokesEveryLeaseItCreatedButNoOtherTokensLeases() throws Exception {
            Token owner = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            Token other = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Lease database = vault.createLease(owner, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            Lease aws = vault.createLease(owner, "aws/creds/deploy", ONE_HOUR, Duration.ZERO, true);
            Lease others = vault.createLease(other, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            clock.advance(TEN_MINUTES.plusSeconds(1));

            assertInvalidLease(leaseLookup(other, "PUT", database.id));
            assertInvalidLease(leaseLookup(other, "PUT", aws.id));
            Reply survivor = leaseLookup(other, "PUT", others.id);
            assertThat(survivor.status()).isEqualTo(200);
            assertThat(survivor.json().get("data").get("ttl").asLong()).isBetween(2998L, 2999L);
        }

        @Test
        void aTokensRevocationRevokesEveryLeaseItCreatedButNoOtherTokensLeases() throws Exception {
            Token owner = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token other = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease database = vault.createLease(owner, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            Lease aws = vault.createLease(owner, "aws/creds/deploy", ONE_HOUR, Duration.ZERO, true);
            Lease others = vault.createLease(other, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            vault.revokeToken(owner);

            assertInvalidLease(leaseLookup(other, "PUT", database.id));
            assertInvalidLease(leaseLookup(other, "PUT", aws.id));
            assertThat(leaseLookup(other, "PUT", others.id).status()).isEqualTo(200);
        }

        @Test
        void aTokenRevokingItselfOverHttpRevokesItsLeases() throws Exception {
            Token owner = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token other = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(owner, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            Reply reply = call("POST", "/v1/auth/token/revoke-self", owner, "");

            assertThat(reply.status()).isEqualTo(204);
            assertThat(lookupSelf(owner).status()).isEqualTo(403);
            assertInvalidLease(leaseLookup(other, "PUT", lease.id));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Sealed
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Sealed {

        @Test
        void aSealedVaultAnswersEveryCallWith503UntilUnsealed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            String leaseBody = "{\"lease_id\":\"" + lease.id + "\"}";

            vault.seal();
            List<Reply> sealed = List.of(
                    call("GET", "/v1/auth/token/lookup-self", token, null),
                    call("POST", "/v1/auth/token/lookup-self", token, ""),
                    call("POST", "/v1/auth/token/renew-self", token, ""),
                    call("PUT", "/v1/sys/leases/lookup", token, leaseBody),
                    call("PUT", "/v1/sys/leases/renew", token, leaseBody),
                    call("PUT", "/v1/sys/renew", token, leaseBody),
                    call("GET", "/v1/auth/token/lookup-self", null, null),
                    call("GET", "/v1/secret/data/anything", token, null));

            for (Reply reply : sealed) {
                assertThat(reply.status()).isEqualTo(503);
                assertThat(reply.errors()).containsExactly("Vault is sealed");
            }
            assertThat(vault.renewals(token)).isZero();
            assertThat(vault.renewals(lease)).isZero();

            vault.unseal();

            assertThat(lookupSelf(token).status()).isEqualTo(200);
            assertThat(leaseRenew(token, leaseBody).status()).isEqualTo(200);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Namespaces
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Namespaces {

        @Test
        void aLeaseIssuedInANamespaceIsFoundOnlyWithThatNamespaceHeader() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease =
                    vault.addLease("database/creds/app/AbCd.x7Yz", token, ONE_HOUR, Duration.ZERO, true, "team-a");
            String body = "{\"lease_id\":\"" + lease.id + "\"}";

            Reply withoutNamespace = call("PUT", "/v1/sys/leases/lookup", token, body);
            Reply otherNamespace = inNamespace("team-b", "/v1/sys/leases/lookup", token, body);
            Reply sameNamespace = inNamespace("team-a", "/v1/sys/leases/lookup", token, body);

            assertInvalidLease(withoutNamespace);
            assertInvalidLease(otherNamespace);
            assertThat(sameNamespace.status()).isEqualTo(200);
            assertThat(sameNamespace.json().get("data").get("id").asText()).isEqualTo(lease.id);
        }

        @Test
        void aLeaseIssuedInANamespaceIsRenewedOnlyInThatNamespace() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease =
                    vault.addLease("database/creds/app/AbCd.x7Yz", token, ONE_HOUR, Duration.ZERO, true, "team-a");
            String body = "{\"lease_id\":\"" + lease.id + "\"}";

            Reply withoutNamespace = call("PUT", "/v1/sys/leases/renew", token, body);
            Reply sameNamespace = inNamespace("team-a", "/v1/sys/leases/renew", token, body);

            assertThat(withoutNamespace.status()).isEqualTo(400);
            assertThat(withoutNamespace.errors()).anySatisfy(e -> assertThat(e).contains("lease not found"));
            assertThat(sameNamespace.status()).isEqualTo(200);
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }

        @Test
        void aLeaseIssuedOutsideNamespacesIsNotFoundFromInsideOne() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            assertInvalidLease(
                    inNamespace("team-a", "/v1/sys/leases/lookup", token, "{\"lease_id\":\"" + lease.id + "\"}"));
        }

        private Reply inNamespace(String namespace, String path, Token token, String body) throws Exception {
            return send(request(path)
                    .header("X-Vault-Token", token.id)
                    .header("X-Vault-Namespace", namespace)
                    .PUT(HttpRequest.BodyPublishers.ofString(body)));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Faults and the request log
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Faults {

        @Test
        void anInjectedStatusAnswersTheNextMatchingCallsThenVaultAnswersNormallyAgain() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("lookup-self", 2, VaultEmulator.status(429, "rate limited"));

            Reply first = lookupSelf(token);
            Reply renewal = renewSelf(token, null);
            Reply second = lookupSelf(token);
            Reply third = lookupSelf(token);

            assertThat(first.status()).isEqualTo(429);
            assertThat(first.errors()).containsExactly("rate limited");
            assertThat(renewal.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(429);
            assertThat(third.status()).isEqualTo(200);
        }

        @Test
        void anInjectedStatusCarriesItsHeaders() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("", 1, new Status(429, List.of("lease count quota exceeded"), Map.of("Retry-After", "7")));

            Reply reply = lookupSelf(token);

            assertThat(reply.status()).isEqualTo(429);
            assertThat(reply.header("Retry-After")).isEqualTo("7");
            assertThat(reply.errors()).containsExactly("lease count quota exceeded");
        }

        @Test
        void aRawBodyAnswersWithThatStatusAndBody() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            String html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
            vault.inject("sys/leases", 1, new RawBody(502, "text/html", html));

            Reply reply = call("PUT", "/v1/sys/leases/lookup", token, "{\"lease_id\":\"x\"}");

            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.header("Content-Type")).startsWith("text/html");
            assertThat(reply.body()).isEqualTo(html);
            assertThat(vault.requests().get(0).status()).isEqualTo(502);
        }

        @Test
        void aRawBodyCanBeAnEmpty200() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("renew-self", 1, new RawBody(200, "application/json", ""));

            Reply empty = renewSelf(token, null);
            Reply normal = renewSelf(token, null);

            assertThat(empty.status()).isEqualTo(200);
            assertThat(empty.body()).isEmpty();
            assertThat(normal.json().get("auth").get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(vault.renewals(token)).isEqualTo(1);
        }

        @Test
        void aDropClosesTheConnectionWithoutAnAnswer() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("renew-self", 1, new Drop());

            assertThatThrownBy(() -> renewSelf(token, null)).isInstanceOf(IOException.class);

            assertThat(renewSelf(token, null).status()).isEqualTo(200);
            assertThat(vault.renewals(token)).isEqualTo(1);
        }

        @Test
        void aCutShortAppliesTheRequestButEndsTheConnectionHalfwayThroughTheAnswer() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("renew-self", 1, new VaultEmulator.CutShort());

            assertThatThrownBy(() -> renewSelf(token, null)).isInstanceOf(IOException.class);

            assertThat(vault.renewals(token)).isEqualTo(1);
            assertThat(renewSelf(token, null).status()).isEqualTo(200);
        }

        @Test
        void aDelayAnswersLateButNormally() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("lookup-self", 1, new Delay(Duration.ofMillis(400)));

            long start = System.nanoTime();
            Reply reply = lookupSelf(token);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("data").get("accessor").asText()).isEqualTo(token.accessor);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }

        @Test
        void aBeforeRunsItsActionAndThenAnswersAsVaultNowWould() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, Duration.ZERO, true);
            String body = "{\"lease_id\":\"" + lease.id + "\"}";
            vault.inject("sys/leases/renew", 1, new VaultEmulator.Before(() -> clock.advance(TEN_MINUTES)));

            Reply lookup = call("PUT", "/v1/sys/leases/lookup", token, body);
            Reply renewal = call("PUT", "/v1/sys/leases/renew", token, body);

            assertThat(lookup.status()).isEqualTo(200);
            assertThat(renewal.status()).isEqualTo(400);
            assertThat(renewal.errors()).containsExactly("lease not found");
            assertThat(vault.requests()).extracting(RecordedRequest::status).containsExactly(200, 400);
        }

        @Test
        void aDelayLongerThanTheClientsTimeoutTimesTheCallOut() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("lookup-self", 1, new Delay(Duration.ofSeconds(1)));

            assertThatThrownBy(() -> send(request("/v1/auth/token/lookup-self")
                            .timeout(Duration.ofMillis(100))
                            .header("X-Vault-Token", token.id)
                            .GET()))
                    .isInstanceOf(HttpTimeoutException.class);
        }

        @Test
        void countsTheMostRequestsAnsweredAtTheSameTime() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            lookupSelf(token);
            lookupSelf(token);
            assertThat(vault.mostInFlight()).isEqualTo(1);

            // the first is held for 2 s; the second is sent once the first is being answered
            vault.inject("lookup-self", 1, new Delay(Duration.ofSeconds(2)));
            var first = http.sendAsync(
                    request("/v1/auth/token/lookup-self")
                            .header("X-Vault-Token", token.id)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> vault.inFlight() == 1);
            Reply second = lookupSelf(token);

            assertThat(first.get().statusCode()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            assertThat(vault.mostInFlight()).isEqualTo(2);
        }

        @Test
        void requestsRecordsMethodPathLowerCasedHeadersBodyAndStatus() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            String body = "{\"lease_id\":\"" + lease.id + "\",\"increment\":600}";
            vault.inject("renew-self", 1, new Drop());
            vault.inject("lookup-self", 1, VaultEmulator.status(429, "rate limited"));

            send(request("/v1/sys/leases/renew")
                    .header("X-Vault-Token", token.id)
                    .header("X-Vault-Request", "true")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)));
            assertThatThrownBy(() -> renewSelf(token, "{\"increment\":\"1h\"}")).isInstanceOf(IOException.class);
            lookupSelf(token);

            List<RecordedRequest> requests = vault.requests();
            assertThat(requests).hasSize(3);
            RecordedRequest renewal = requests.get(0);
            assertThat(renewal.method()).isEqualTo("PUT");
            assertThat(renewal.path()).isEqualTo("/v1/sys/leases/renew");
            assertThat(renewal.headers()).containsEntry("x-vault-token", token.id);
            assertThat(renewal.headers()).containsEntry("x-vault-request", "true");
            assertThat(renewal.headers().keySet()).allSatisfy(k -> assertThat(k).isLowerCase());
            assertThat(renewal.header("X-Vault-Request")).isEqualTo("true");
            assertThat(renewal.body()).isEqualTo(body);
            assertThat(renewal.leaseId()).isEqualTo(lease.id);
            assertThat(renewal.status()).isEqualTo(200);
            RecordedRequest dropped = requests.get(1);
            assertThat(dropped.method()).isEqualTo("POST");
            assertThat(dropped.path()).isEqualTo("/v1/auth/token/renew-self");
            assertThat(dropped.body()).isEqualTo("{\"increment\":\"1h\"}");
            assertThat(dropped.status()).isZero();
            RecordedRequest limited = requests.get(2);
            assertThat(limited.method()).isEqualTo("GET");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(vault.requests("/v1/sys/leases/renew")).containsExactly(renewal);

            vault.clearRequests();
            assertThat(vault.requests()).isEmpty();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Policies (checked on the auth methods' and secret engines' paths)
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Policies {

        @Test
        void aTokenReadsThePathItsPolicyGrantsAndIsDeniedEveryOther() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/my-app/db", Map.of("user", "app"));
            vault.putSecret("secret/other-app/db", Map.of("user", "other"));
            vault.policy("my-app", "secret/data/my-app/db", "read");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("my-app"));

            Reply permitted = call("GET", "/v1/secret/data/my-app/db", token, null);
            Reply denied = call("GET", "/v1/secret/data/other-app/db", token, null);

            assertThat(permitted.status()).isEqualTo(200);
            assertThat(permitted.json().at("/data/data/user").asText()).isEqualTo("app");
            assertAclDenied(denied);
        }

        @Test
        void aGlobRuleGrantsEveryPathThatStartsWithItsPrefix() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/my-app/db", Map.of("k", "v"));
            vault.putSecret("secret/my-app/nested/api", Map.of("k", "v"));
            vault.putSecret("secret/my-apple/db", Map.of("k", "v"));
            vault.putSecret("secret/other/db", Map.of("k", "v"));
            vault.policy("my-app", "secret/data/my-app/*", "read");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("my-app"));

            assertThat(call("GET", "/v1/secret/data/my-app/db", token, null).status())
                    .isEqualTo(200);
            assertThat(call("GET", "/v1/secret/data/my-app/nested/api", token, null)
                            .status())
                    .isEqualTo(200);
            assertAclDenied(call("GET", "/v1/secret/data/my-apple/db", token, null));
            assertAclDenied(call("GET", "/v1/secret/data/other/db", token, null));
        }

        @Test
        void anExactRuleOverridesAGlobEvenWhenItGrantsLess() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/team/shared", Map.of("k", "v"));
            vault.putSecret("secret/team/private", Map.of("k", "v"));
            vault.putSecret("secret/team/listed", Map.of("k", "v"));
            vault.policy("team", "secret/data/team/*", "read");
            vault.policy("team", "secret/data/team/private", "deny");
            vault.policy("team", "secret/data/team/listed", "list");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("team"));

            assertThat(call("GET", "/v1/secret/data/team/shared", token, null).status())
                    .isEqualTo(200);
            assertAclDenied(call("GET", "/v1/secret/data/team/private", token, null));
            assertAclDenied(call("GET", "/v1/secret/data/team/listed", token, null));
        }

        @Test
        void theLongerGlobWinsOverTheShorterOne() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/team/db", Map.of("k", "v"));
            vault.putSecret("secret/team/locked/db", Map.of("k", "v"));
            vault.policy("team", "secret/data/*", "read");
            vault.policy("team", "secret/data/team/locked/*", "deny");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("team"));

            assertThat(call("GET", "/v1/secret/data/team/db", token, null).status())
                    .isEqualTo(200);
            assertAclDenied(call("GET", "/v1/secret/data/team/locked/db", token, null));
        }

        @Test
        void aPlusMatchesExactlyOnePathSegment() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/a/db", Map.of("k", "v"));
            vault.putSecret("secret/a/b/db", Map.of("k", "v"));
            vault.policy("any-app", "secret/data/+/db", "read");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("any-app"));

            assertThat(call("GET", "/v1/secret/data/a/db", token, null).status())
                    .isEqualTo(200);
            assertAclDenied(call("GET", "/v1/secret/data/a/b/db", token, null));
        }

        @Test
        void rulesOfOnePathInTwoPoliciesAddUpAndADenyInEitherWins() throws Exception {
            vault.appRole("app", ONE_HOUR, null, "app");
            String path = "auth/approle/role/app/secret-id";
            vault.policy("reader", path, "read");
            vault.policy("writer", path, "update");
            vault.policy("blocker", path, "deny");
            Token both = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("reader", "writer"));
            Token blocked = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("writer", "blocker"));
            Token readOnly = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("reader"));

            assertThat(call("POST", "/v1/" + path, both, "").status()).isEqualTo(200);
            assertAclDenied(call("POST", "/v1/" + path, blocked, ""));
            assertAclDenied(call("POST", "/v1/" + path, readOnly, ""));
        }

        @Test
        void aTokenMadeWithoutPoliciesActsAsRoot() throws Exception {
            vault.enableKv("secret", 1);
            vault.putSecret("secret/anything", Map.of("k", "v"));
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            assertThat(call("GET", "/v1/secret/anything", token, null).status()).isEqualTo(200);
        }

        @Test
        void aCallWithoutTokenOrWithATokenThatDoesNotExistIsDenied() throws Exception {
            vault.enableKv("secret", 1);
            vault.putSecret("secret/anything", Map.of("k", "v"));
            Token revoked = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.revokeToken(revoked);

            Reply withoutToken = call("GET", "/v1/secret/anything", null, null);
            Reply unknownToken = call("GET", "/v1/secret/anything", revoked, null);

            assertThat(withoutToken.status()).isEqualTo(403);
            assertThat(withoutToken.errors()).containsExactly("permission denied");
            assertThat(unknownToken.status()).isEqualTo(403);
            assertThat(unknownToken.errors())
                    .containsExactly("2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
        }

        @Test
        void aTokensPoliciesAreSortedWithDefaultInLookupSelf() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("zeta", "app"));

            JsonNode policies = lookupSelf(token).json().at("/data/policies");

            assertThat(texts(policies)).containsExactly("app", "default", "zeta");
            assertThat(token.policies()).containsExactly("app", "default", "zeta");
        }

        @Test
        void aPathUnderNoMountIsDeniedBeforeTheRouterSaysNoHandler() throws Exception {
            Token restricted = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("nothing"));
            Token unrestricted = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply denied = call("GET", "/v1/nowhere/secret", restricted, null);
            Reply routed = call("GET", "/v1/nowhere/secret", unrestricted, null);

            assertAclDenied(denied);
            assertThat(routed.status()).isEqualTo(404);
            assertThat(routed.errors())
                    .containsExactly("no handler for route \"nowhere/secret\". route entry not found.");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Kubernetes auth
    // ----------------------------------------------------------------------------------------------

    @Nested
    class KubernetesLogin {

        @Test
        void logsInWithRoleAndServiceAccountJwtAndNoVaultToken() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "my-app-db", "app-kv");
            String jwt = vault.serviceAccountJwt("my-ns", "my-app");

            Reply reply = kubernetesLogin("kubernetes", "my-role", jwt);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("data").isNull()).isTrue();
            assertThat(body.get("lease_id").asText()).isEmpty();
            assertThat(body.get("mount_type").asText()).isEqualTo("kubernetes");
            JsonNode auth = body.get("auth");
            assertThat(auth.get("client_token").asText()).startsWith("hvs.");
            assertThat(auth.get("accessor").asText()).isNotBlank();
            assertThat(texts(auth.get("policies"))).containsExactly("app-kv", "default", "my-app-db");
            assertThat(texts(auth.get("token_policies"))).containsExactly("app-kv", "default", "my-app-db");
            JsonNode metadata = auth.get("metadata");
            assertThat(metadata.get("role").asText()).isEqualTo("my-role");
            assertThat(metadata.get("service_account_name").asText()).isEqualTo("my-app");
            assertThat(metadata.get("service_account_namespace").asText()).isEqualTo("my-ns");
            assertThat(metadata.get("service_account_uid").asText())
                    .isEqualTo(jwtClaims(jwt)
                            .at("/kubernetes.io/serviceaccount/uid")
                            .asText());
            assertThat(metadata.get("service_account_secret_name").asText()).isEmpty();
            assertThat(auth.get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(auth.get("renewable").asBoolean()).isTrue();
            assertThat(auth.get("entity_id").asText()).isNotBlank();
            assertThat(auth.get("token_type").asText()).isEqualTo("service");
            assertThat(auth.get("orphan").asBoolean()).isTrue();
            Token token = vault.tokenById(auth.get("client_token").asText());
            assertThat(token).isNotNull();
            assertThat(token.accessor).isEqualTo(auth.get("accessor").asText());
            assertThat(vault.isAlive(token)).isTrue();
        }

        @Test
        void theLoginTokenDescribesItselfInLookupSelfAndRenewsLikeAnyOther() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "my-app-db");
            Reply login = kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("my-ns", "my-app"));
            Token token = vault.tokenById(login.json().at("/auth/client_token").asText());
            clock.advance(TEN_MINUTES);

            JsonNode data = lookupSelf(token).json().get("data");
            Reply renewal = renewSelf(token, null);

            assertThat(data.get("path").asText()).isEqualTo("auth/kubernetes/login");
            assertThat(data.get("display_name").asText()).isEqualTo("kubernetes-my-ns-my-app");
            assertThat(texts(data.get("policies"))).containsExactly("default", "my-app-db");
            assertThat(data.at("/meta/service_account_name").asText()).isEqualTo("my-app");
            assertThat(data.get("entity_id").asText())
                    .isEqualTo(login.json().at("/auth/entity_id").asText());
            assertThat(data.get("ttl").asLong()).isBetween(2999L, 3000L);
            assertThat(data.get("creation_ttl").asLong()).isEqualTo(3600);
            assertThat(renewal.status()).isEqualTo(200);
            assertThat(renewal.json().at("/auth/lease_duration").asLong()).isEqualTo(3600);
            assertThat(texts(renewal.json().at("/auth/policies"))).containsExactly("default", "my-app-db");
        }

        @Test
        void logsInAtAMountOtherThanKubernetes() throws Exception {
            vault.enableKubernetesAuth("k8s/cluster-1");
            vault.kubernetesRole("k8s/cluster-1", "my-role", "my-app", "my-ns", ONE_HOUR, "app");

            Reply reply = kubernetesLogin("k8s/cluster-1", "my-role", vault.serviceAccountJwt("my-ns", "my-app"));

            assertThat(reply.status()).isEqualTo(200);
            Token token = vault.tokenById(reply.json().at("/auth/client_token").asText());
            assertThat(lookupSelf(token).json().at("/data/path").asText()).isEqualTo("auth/k8s/cluster-1/login");
        }

        @Test
        void theServiceAccountJwtCarriesAProjectedTokensClaims() throws Exception {
            long now = clock.instant().getEpochSecond();

            String jwt = vault.serviceAccountJwt("my-ns", "my-app");
            String again = vault.serviceAccountJwt("my-ns", "my-app");

            String[] parts = jwt.split("\\.", -1);
            assertThat(parts)
                    .hasSize(3)
                    .allSatisfy(p -> assertThat(p).isNotEmpty().matches("[A-Za-z0-9_-]+"));
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            assertThat(header.get("alg").asText()).isEqualTo("RS256");
            JsonNode claims = jwtClaims(jwt);
            assertThat(claims.get("iss").asText()).isEqualTo("https://kubernetes.default.svc.cluster.local");
            assertThat(claims.get("sub").asText()).isEqualTo("system:serviceaccount:my-ns:my-app");
            assertThat(claims.at("/kubernetes.io/namespace").asText()).isEqualTo("my-ns");
            assertThat(claims.at("/kubernetes.io/serviceaccount/name").asText()).isEqualTo("my-app");
            assertThat(claims.at("/kubernetes.io/serviceaccount/uid").asText())
                    .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                    .isEqualTo(jwtClaims(again)
                            .at("/kubernetes.io/serviceaccount/uid")
                            .asText());
            assertThat(claims.get("iat").asLong()).isBetween(now, now + 1);
            assertThat(claims.get("exp").asLong()).isEqualTo(claims.get("iat").asLong() + 3600);
            assertThat(again).isNotEqualTo(jwt);
        }

        @Test
        void refusesALoginWithoutRoleOrJwt() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            String jwt = vault.serviceAccountJwt("my-ns", "my-app");

            Reply noRole = call("POST", "/v1/auth/kubernetes/login", null, "{\"jwt\":\"" + jwt + "\"}");
            Reply noJwt = call("POST", "/v1/auth/kubernetes/login", null, "{\"role\":\"my-role\"}");
            Reply emptyRole = kubernetesLogin("kubernetes", "", jwt);

            assertThat(noRole.status()).isEqualTo(400);
            assertThat(noRole.errors()).containsExactly("missing role");
            assertThat(noJwt.status()).isEqualTo(400);
            assertThat(noJwt.errors()).containsExactly("missing jwt");
            assertThat(emptyRole.status()).isEqualTo(400);
            assertThat(emptyRole.errors()).containsExactly("missing role");
        }

        @Test
        void refusesAnUnknownRoleByName() throws Exception {
            vault.enableKubernetesAuth("kubernetes");

            Reply reply = kubernetesLogin("kubernetes", "nope", vault.serviceAccountJwt("my-ns", "my-app"));

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).containsExactly("invalid role name \"nope\"");
        }

        @Test
        void refusesAJwtTheTokenReviewRefusesWithPermissionDenied() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            String revoked = vault.serviceAccountJwt("my-ns", "my-app");
            vault.revokeServiceAccountJwt(revoked);
            String genuine = vault.serviceAccountJwt("my-ns", "my-app");
            String[] parts = genuine.split("\\.");
            String forged = parts[0] + "." + parts[1] + "." + parts[2].substring(1) + "A";

            for (String jwt : List.of(revoked, forged, "not-a-jwt", "a.b.c")) {
                Reply reply = kubernetesLogin("kubernetes", "my-role", jwt);
                assertThat(reply.status()).as(jwt).isEqualTo(403);
                assertThat(reply.errors()).as(jwt).containsExactly("permission denied");
            }
            assertThat(kubernetesLogin("kubernetes", "my-role", genuine).status())
                    .isEqualTo(200);
        }

        @Test
        void refusesAServiceAccountOrNamespaceTheRoleDoesNotBind() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");

            Reply otherName = kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("my-ns", "intruder"));
            Reply otherNamespace =
                    kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("other-ns", "my-app"));

            assertThat(otherName.status()).isEqualTo(403);
            assertThat(otherName.errors()).containsExactly("service account name not authorized");
            assertThat(otherNamespace.status()).isEqualTo(403);
            assertThat(otherNamespace.errors()).containsExactly("namespace not authorized");
        }

        @Test
        void aRoleBoundToGlobsAcceptsEveryMatchingServiceAccount() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "apps", "app-*", "*", ONE_HOUR, "app");

            Reply matching = kubernetesLogin("kubernetes", "apps", vault.serviceAccountJwt("any-ns", "app-web"));
            Reply other = kubernetesLogin("kubernetes", "apps", vault.serviceAccountJwt("any-ns", "web"));

            assertThat(matching.status()).isEqualTo(200);
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.errors()).containsExactly("service account name not authorized");
        }

        @Test
        void refusesAJwtPastItsExpiryOnceTheMinuteOfClockSkewIsOver() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            String jwt = vault.serviceAccountJwt("my-ns", "my-app");

            clock.advance(ONE_HOUR.plusSeconds(30));
            Reply withinSkew = kubernetesLogin("kubernetes", "my-role", jwt);
            clock.advance(Duration.ofSeconds(60));
            Reply expired = kubernetesLogin("kubernetes", "my-role", jwt);

            assertThat(withinSkew.status()).isEqualTo(200);
            assertThat(expired.status()).isEqualTo(403);
            assertThat(expired.errors()).containsExactly("invalid expiration time (exp) claim: token is expired");
        }

        @Test
        void aLoginWhereNoAuthMethodIsMountedAsksForATokenAndWithOneFindsNoHandler() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            String body = "{\"role\":\"my-role\",\"jwt\":\"" + vault.serviceAccountJwt("my-ns", "my-app") + "\"}";
            Token unrestricted = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply withoutToken = call("POST", "/v1/auth/k8s/login", null, body);
            Reply withToken = call("POST", "/v1/auth/k8s/login", unrestricted, body);

            assertThat(withoutToken.status()).isEqualTo(403);
            assertThat(withoutToken.errors()).containsExactly("permission denied");
            assertThat(withToken.status()).isEqualTo(404);
            assertThat(withToken.errors())
                    .containsExactly("no handler for route \"auth/k8s/login\". route entry not found.");
        }

        @Test
        void answersAGetOnTheLoginPathWith405() throws Exception {
            vault.enableKubernetesAuth("kubernetes");

            Reply reply = call("GET", "/v1/auth/kubernetes/login", null, null);

            assertThat(reply.status()).isEqualTo(405);
            assertThat(reply.errors()).containsExactly("1 error occurred:\n\t* unsupported operation\n\n");
        }

        @Test
        void recordsTheLoginButPrintsItWithoutTheJwt() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            String jwt = vault.serviceAccountJwt("my-ns", "my-app");

            Reply reply = kubernetesLogin("kubernetes", "my-role", jwt);

            RecordedRequest login = vault.requests("/v1/auth/kubernetes/login").get(0);
            assertThat(login.method()).isEqualTo("POST");
            assertThat(login.status()).isEqualTo(200);
            assertThat(login.body()).contains(jwt);
            assertThat(login.toString())
                    .contains("POST /v1/auth/kubernetes/login -> 200", "\"jwt\":\"****\"", "\"role\":\"my-role\"")
                    .doesNotContain(jwt, reply.json().at("/auth/client_token").asText());
        }

        @Test
        void answersItsConfigWithTheClustersCaCertificateToATokenAllowedToReadIt() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.enableKubernetesAuth("other");
            vault.kubernetesAuthConfig("other", "https://10.0.0.1:6443", "-----BEGIN CERTIFICATE-----\nAAAA\n");
            vault.policy("reader", "auth/kubernetes/config", "read");
            Token reader = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("reader"));
            Token unrestricted = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/auth/kubernetes/config", reader, null);
            Reply other = call("GET", "/v1/auth/other/config", unrestricted, null);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode data = reply.json().get("data");
            assertThat(data.get("kubernetes_ca_cert").asText())
                    .isEqualTo(VaultEmulator.KUBERNETES_CA_CERT)
                    .startsWith("-----BEGIN CERTIFICATE-----\n")
                    .endsWith("-----END CERTIFICATE-----\n");
            assertThat(data.get("kubernetes_host").asText()).isEqualTo("https://kubernetes.default.svc");
            assertThat(data.get("pem_keys").isArray()).isTrue();
            assertThat(data.get("token_reviewer_jwt_set").asBoolean()).isFalse();
            assertThat(other.json().at("/data/kubernetes_host").asText()).isEqualTo("https://10.0.0.1:6443");
            assertThat(other.json().at("/data/kubernetes_ca_cert").asText())
                    .isEqualTo("-----BEGIN CERTIFICATE-----\nAAAA\n");
            assertAclDenied(call("GET", "/v1/auth/other/config", reader, null));
        }

        @Test
        void anInjectedFaultAnswersTheLoginThenVaultLogsInAgain() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            String jwt = vault.serviceAccountJwt("my-ns", "my-app");
            vault.inject("auth/kubernetes/login", 1, VaultEmulator.status(500, "internal error"));

            Reply failed = kubernetesLogin("kubernetes", "my-role", jwt);
            Reply next = kubernetesLogin("kubernetes", "my-role", jwt);

            assertThat(failed.status()).isEqualTo(500);
            assertThat(failed.errors()).containsExactly("internal error");
            assertThat(next.status()).isEqualTo(200);
        }

        @Test
        void aSealedVaultAnswersTheLoginWith503() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            vault.seal();

            Reply reply = kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("my-ns", "my-app"));

            assertThat(reply.status()).isEqualTo(503);
            assertThat(reply.errors()).containsExactly("Vault is sealed");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // AppRole
    // ----------------------------------------------------------------------------------------------

    @Nested
    class AppRole {

        @Test
        void readsTheRoleIdWithATokenAllowedToReadThatExactPath() throws Exception {
            String roleId = vault.appRole("my-app", ONE_HOUR, null, "my-app");
            vault.policy("deployer", "auth/approle/role/my-app/role-id", "read");
            Token deployer = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("deployer"));

            Reply reply = call("GET", "/v1/auth/approle/role/my-app/role-id", deployer, null);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().at("/data/role_id").asText()).isEqualTo(roleId);
            assertThat(roleId).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(reply.json().get("mount_type").asText()).isEqualTo("approle");
        }

        @Test
        void deniesTheRoleIdAndTheSecretIdWithoutReadAndUpdateOnThosePaths() throws Exception {
            vault.appRole("my-app", ONE_HOUR, null, "my-app");
            vault.appRole("other", ONE_HOUR, null, "other");
            vault.policy("deployer", "auth/approle/role/my-app/role-id", "update");
            vault.policy("deployer", "auth/approle/role/my-app/secret-id", "read");
            vault.policy("deployer", "auth/approle/role/other/role-id", "read");
            Token deployer = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("deployer"));

            assertAclDenied(call("GET", "/v1/auth/approle/role/my-app/role-id", deployer, null));
            assertAclDenied(call("POST", "/v1/auth/approle/role/my-app/secret-id", deployer, ""));
            assertThat(call("GET", "/v1/auth/approle/role/other/role-id", deployer, null)
                            .status())
                    .isEqualTo(200);
        }

        @Test
        void answers404WithNoErrorsForTheRoleIdOfAnUnknownRole() throws Exception {
            vault.appRole("my-app", ONE_HOUR, null, "my-app");
            Token admin = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/auth/approle/role/nope/role-id", admin, null);

            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.errors()).isEmpty();
        }

        @Test
        void generatesASecretIdWithItsAccessorTtlAndUses() throws Exception {
            vault.appRole("my-app", ONE_HOUR, null, "my-app");
            vault.policy("deployer", "auth/approle/role/my-app/secret-id", "update");
            Token deployer = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("deployer"));

            Reply reply = call("POST", "/v1/auth/approle/role/my-app/secret-id", deployer, "");
            Reply limited = call(
                    "POST", "/v1/auth/approle/role/my-app/secret-id", deployer, "{\"num_uses\":3,\"ttl\":\"10m\"}");

            assertThat(reply.status()).isEqualTo(200);
            JsonNode data = reply.json().get("data");
            String uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
            assertThat(data.get("secret_id").asText()).matches(uuid);
            assertThat(data.get("secret_id_accessor").asText())
                    .matches(uuid)
                    .isNotEqualTo(data.get("secret_id").asText());
            assertThat(data.get("secret_id_ttl").asLong()).isZero();
            assertThat(data.get("secret_id_num_uses").asInt()).isZero();
            assertThat(limited.json().at("/data/secret_id_ttl").asLong()).isEqualTo(600);
            assertThat(limited.json().at("/data/secret_id_num_uses").asInt()).isEqualTo(3);
        }

        @Test
        void saysTheRoleDoesNotExistWhenAskedForASecretIdOfAnUnknownRole() throws Exception {
            vault.appRole("my-app", ONE_HOUR, null, "my-app");
            Token admin = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("POST", "/v1/auth/approle/role/nope/secret-id", admin, "");

            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.errors()).containsExactly("role \"nope\" does not exist");
        }

        @Test
        void refusesASecretIdAskingMoreUsesOrALongerTtlThanTheRoleAllows() throws Exception {
            vault.appRole("my-app", ONE_HOUR, null, "my-app");
            vault.appRoleSecretIdLimits("my-app", 2, TEN_MINUTES);
            Token admin = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            String path = "/v1/auth/approle/role/my-app/secret-id";

            Reply moreUses = call("POST", path, admin, "{\"num_uses\":3}");
            Reply unlimited = call("POST", path, admin, "{\"num_uses\":0}");
            Reply negative = call("POST", path, admin, "{\"num_uses\":-1}");
            Reply longer = call("POST", path, admin, "{\"ttl\":601}");
            Reply byDefault = call("POST", path, admin, "");

            for (Reply reply : List.of(moreUses, unlimited)) {
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.errors())
                        .containsExactly("num_uses cannot be higher than the role's secret_id_num_uses");
            }
            assertThat(negative.status()).isEqualTo(400);
            assertThat(negative.errors()).containsExactly("num_uses cannot be negative");
            assertThat(longer.status()).isEqualTo(400);
            assertThat(longer.errors()).containsExactly("ttl cannot be longer than the role's secret_id_ttl");
            assertThat(byDefault.json().at("/data/secret_id_num_uses").asInt()).isEqualTo(2);
            assertThat(byDefault.json().at("/data/secret_id_ttl").asLong()).isEqualTo(600);
        }

        @Test
        void logsInWithRoleIdAndSecretIdWithoutAVaultToken() throws Exception {
            String roleId = vault.appRole("my-app", TEN_MINUTES, null, "my-app", "shared");
            String secretId = vault.secretId("my-app");

            Reply reply = appRoleLogin(roleId, secretId);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode auth = reply.json().get("auth");
            assertThat(texts(auth.get("policies"))).containsExactly("default", "my-app", "shared");
            assertThat(texts(auth.get("token_policies"))).containsExactly("default", "my-app", "shared");
            assertThat(auth.at("/metadata/role_name").asText()).isEqualTo("my-app");
            assertThat(auth.get("lease_duration").asLong()).isEqualTo(600);
            assertThat(auth.get("renewable").asBoolean()).isTrue();
            assertThat(auth.get("token_type").asText()).isEqualTo("service");
            Token token = vault.tokenById(auth.get("client_token").asText());
            JsonNode data = lookupSelf(token).json().get("data");
            assertThat(data.get("path").asText()).isEqualTo("auth/approle/login");
            assertThat(data.get("display_name").asText()).isEqualTo("approle");
            assertThat(data.has("period")).isFalse();
            assertThat(data.get("ttl").asLong()).isBetween(599L, 600L);
        }

        @Test
        void refusesAMissingOrWrongRoleIdOrSecretId() throws Exception {
            String roleId = vault.appRole("my-app", ONE_HOUR, null, "my-app");
            String otherRoleId = vault.appRole("other", ONE_HOUR, null, "other");
            String secretId = vault.secretId("my-app");

            Reply noRoleId = call("POST", "/v1/auth/approle/login", null, "{\"secret_id\":\"" + secretId + "\"}");
            Reply unknownRoleId = appRoleLogin("not-a-role-id", secretId);
            Reply noSecretId = call("POST", "/v1/auth/approle/login", null, "{\"role_id\":\"" + roleId + "\"}");
            Reply wrongSecretId = appRoleLogin(roleId, "not-a-secret-id");
            Reply otherRolesSecretId = appRoleLogin(otherRoleId, secretId);

            assertThat(noRoleId.status()).isEqualTo(400);
            assertThat(noRoleId.errors()).containsExactly("missing role_id");
            assertThat(noSecretId.status()).isEqualTo(400);
            assertThat(noSecretId.errors()).containsExactly("missing secret_id");
            for (Reply reply : List.of(unknownRoleId, wrongSecretId, otherRolesSecretId)) {
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.errors()).containsExactly("invalid role or secret ID");
            }
            assertThat(appRoleLogin(roleId, secretId).status()).isEqualTo(200);
        }

        @Test
        void aSecretIdWithoutUseLimitLogsInAgainAndAgain() throws Exception {
            String roleId = vault.appRole("my-app", ONE_HOUR, null, "my-app");
            String secretId = vault.secretId("my-app");

            for (int i = 0; i < 3; i++) {
                assertThat(appRoleLogin(roleId, secretId).status()).isEqualTo(200);
            }
        }

        @Test
        void aSecretIdWithOneUseLogsInOnceThenIsRefused() throws Exception {
            String roleId = vault.appRole("my-app", ONE_HOUR, null, "my-app");
            Token admin = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            String secretId = call("POST", "/v1/auth/approle/role/my-app/secret-id", admin, "{\"num_uses\":1}")
                    .json()
                    .at("/data/secret_id")
                    .asText();

            Reply first = appRoleLogin(roleId, secretId);
            Reply second = appRoleLogin(roleId, secretId);

            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(400);
            assertThat(second.errors()).containsExactly("invalid role or secret ID");
        }

        @Test
        void aSecretIdPastItsTtlIsRefused() throws Exception {
            String roleId = vault.appRole("my-app", ONE_HOUR, null, "my-app");
            vault.appRoleSecretIdLimits("my-app", 0, Duration.ofMinutes(5));
            String secretId = vault.secretId("my-app");
            String other = vault.secretId("my-app");

            clock.advance(Duration.ofMinutes(4));
            Reply before = appRoleLogin(roleId, secretId);
            clock.advance(Duration.ofMinutes(1));
            Reply after = appRoleLogin(roleId, other);

            assertThat(before.status()).isEqualTo(200);
            assertThat(after.status()).isEqualTo(400);
            assertThat(after.errors()).containsExactly("invalid role or secret ID");
        }

        @Test
        void aPeriodicTokenGetsItsPeriodAtEveryRenewalForeverWithoutMaxTtl() throws Exception {
            String roleId = vault.appRole("my-app", TEN_MINUTES, ONE_HOUR, "my-app");
            Reply login = appRoleLogin(roleId, vault.secretId("my-app"));
            Token token = vault.tokenById(login.json().at("/auth/client_token").asText());
            JsonNode before = lookupSelf(token).json().get("data");

            int renewals = 0;
            Reply last = null;
            // well past the 32-day system max TTL that caps a token without a period
            for (Duration elapsed = Duration.ZERO;
                    elapsed.compareTo(Duration.ofDays(33)) < 0;
                    elapsed = elapsed.plusMinutes(50)) {
                clock.advance(Duration.ofMinutes(50));
                last = renewSelf(token, "{\"increment\":\"10m\"}");
                assertThat(last.status()).isEqualTo(200);
                renewals++;
            }

            assertThat(login.json().at("/auth/lease_duration").asLong()).isEqualTo(3600);
            assertThat(before.get("period").asLong()).isEqualTo(3600);
            assertThat(before.get("explicit_max_ttl").asLong()).isZero();
            assertThat(before.get("ttl").asLong()).isBetween(3599L, 3600L);
            assertThat(last.json().at("/auth/lease_duration").asLong()).isEqualTo(3600);
            assertThat(last.json().get("warnings").isNull()).isTrue();
            assertThat(vault.renewals(token)).isEqualTo(renewals);
            JsonNode after = lookupSelf(token).json().get("data");
            assertThat(after.get("period").asLong()).isEqualTo(3600);
            assertThat(after.get("ttl").asLong()).isBetween(3599L, 3600L);
            assertThat(vault.isAlive(token)).isTrue();
        }

        @Test
        void recordsTheLoginButPrintsItWithoutTheSecretId() throws Exception {
            String roleId = vault.appRole("my-app", ONE_HOUR, null, "my-app");
            String secretId = vault.secretId("my-app");

            appRoleLogin(roleId, secretId);

            RecordedRequest login = vault.requests("/v1/auth/approle/login").get(0);
            assertThat(login.status()).isEqualTo(200);
            assertThat(login.toString())
                    .contains("POST /v1/auth/approle/login -> 200", "\"secret_id\":\"****\"")
                    .doesNotContain(secretId);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // sys/internal/ui/mounts
    // ----------------------------------------------------------------------------------------------

    @Nested
    class UiMounts {

        @Test
        void describesAKvMountWithItsVersionAsTheCliReadsIt() throws Exception {
            vault.enableKv("secret", 2);
            vault.enableKv("legacy", 1);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply two = call("GET", "/v1/sys/internal/ui/mounts/secret/my-app/db", token, null);
            Reply one = call("GET", "/v1/sys/internal/ui/mounts/legacy/my-app/db", token, null);

            assertThat(two.status()).isEqualTo(200);
            JsonNode data = two.json().get("data");
            assertThat(data.get("type").asText()).isEqualTo("kv");
            assertThat(data.get("path").asText()).isEqualTo("secret/");
            assertThat(data.at("/options/version").asText()).isEqualTo("2");
            assertThat(data.get("accessor").asText()).matches("kv_[0-9a-f]{8}");
            assertThat(data.get("uuid").asText()).isNotBlank();
            assertThat(data.get("description").isTextual()).isTrue();
            assertThat(data.get("local").asBoolean()).isFalse();
            assertThat(data.get("seal_wrap").asBoolean()).isFalse();
            assertThat(data.at("/config/default_lease_ttl").isIntegralNumber()).isTrue();
            assertThat(one.json().at("/data/path").asText()).isEqualTo("legacy/");
            assertThat(one.json().at("/data/options/version").asText()).isEqualTo("1");
        }

        @Test
        void describesADatabaseMountWithoutOptionsAndAMountOfSeveralSegments() throws Exception {
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ZERO);
            vault.enableKv("secret", 1);
            vault.enableKv("kv/team", 2);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            JsonNode database = call("GET", "/v1/sys/internal/ui/mounts/database/creds/app", token, null)
                    .json()
                    .get("data");
            JsonNode team = call("GET", "/v1/sys/internal/ui/mounts/kv/team/x", token, null)
                    .json()
                    .get("data");
            JsonNode mountItself = call("GET", "/v1/sys/internal/ui/mounts/secret", token, null)
                    .json()
                    .get("data");

            assertThat(database.get("type").asText()).isEqualTo("database");
            assertThat(database.get("path").asText()).isEqualTo("database/");
            assertThat(database.get("options").isNull()).isTrue();
            assertThat(team.get("path").asText()).isEqualTo("kv/team/");
            assertThat(team.at("/options/version").asText()).isEqualTo("2");
            assertThat(mountItself.get("path").asText()).isEqualTo("secret/");
        }

        @Test
        void refusesAPathUnderNoMountWithThePreflightTextEvenWithoutToken() throws Exception {
            vault.enableKv("secret", 2);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            for (Token caller : new Token[] {token, null}) {
                Reply reply = call("GET", "/v1/sys/internal/ui/mounts/nothing/here", caller, null);
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.errors())
                        .containsExactly("preflight capability check returned 403, please ensure client's policies"
                                + " grant access to path \"nothing/here/\"");
            }
        }

        @Test
        void refusesATokenWhosePoliciesGrantNothingUnderTheMountWithTheSameText() throws Exception {
            vault.enableKv("secret", 2);
            vault.enableKv("other", 2);
            vault.policy("other-only", "other/data/*", "read");
            vault.policy("denied-here", "secret/data/my-app/db", "deny");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("other-only", "denied-here"));

            Reply reply = call("GET", "/v1/sys/internal/ui/mounts/secret/my-app/db", token, null);

            assertThat(reply.status()).isEqualTo(403);
            assertThat(reply.errors())
                    .containsExactly("preflight capability check returned 403, please ensure client's policies grant"
                            + " access to path \"secret/my-app/db/\"");
            assertThat(call("GET", "/v1/sys/internal/ui/mounts/other/x", token, null)
                            .status())
                    .isEqualTo(200);
        }

        @Test
        void answersATokenWithAnyCapabilityBelowTheMount() throws Exception {
            vault.enableKv("secret", 2);
            vault.policy("my-app", "secret/data/my-app/db", "read");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("my-app"));

            Reply reply = call("GET", "/v1/sys/internal/ui/mounts/secret/other/path", token, null);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().at("/data/path").asText()).isEqualTo("secret/");
        }

        @Test
        void asksForATokenOnAPathUnderAMount() throws Exception {
            vault.enableKv("secret", 2);
            Token revoked = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.revokeToken(revoked);

            Reply withoutToken = call("GET", "/v1/sys/internal/ui/mounts/secret/x", null, null);
            Reply unknownToken = call("GET", "/v1/sys/internal/ui/mounts/secret/x", revoked, null);

            assertThat(withoutToken.status()).isEqualTo(403);
            assertThat(withoutToken.errors()).containsExactly("permission denied");
            assertThat(unknownToken.status()).isEqualTo(403);
            assertThat(unknownToken.errors())
                    .containsExactly("2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // KV
    // ----------------------------------------------------------------------------------------------

    @Nested
    class KvVersion1 {

        @Test
        void readsTheSecretsMapWithKvsRefreshIntervalAndNoLease() throws Exception {
            vault.enableKv("secret", 1);
            vault.putSecret("secret/my-app/db", Map.of("username", "app", "password", "s3cr$t"));
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/secret/my-app/db", token, null);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("data").get("username").asText()).isEqualTo("app");
            assertThat(body.get("data").get("password").asText()).isEqualTo("s3cr$t");
            assertThat(body.get("data").size()).isEqualTo(2);
            assertThat(body.get("lease_id").asText()).isEmpty();
            assertThat(body.get("renewable").asBoolean()).isFalse();
            assertThat(body.get("lease_duration").asLong()).isEqualTo(2_764_800);
            assertThat(body.get("request_id").asText()).isNotBlank();
            assertThat(body.get("warnings").isNull()).isTrue();
            assertThat(body.get("mount_type").asText()).isEqualTo("kv");
        }

        @Test
        void aNewPutReplacesTheSecret() throws Exception {
            vault.enableKv("secret", 1);
            vault.putSecret("secret/my-app/db", Map.of("username", "old"));
            vault.putSecret("secret/my-app/db", Map.of("username", "new"));
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            JsonNode data =
                    call("GET", "/v1/secret/my-app/db", token, null).json().get("data");

            assertThat(data.get("username").asText()).isEqualTo("new");
        }

        @Test
        void answers404WithAnEmptyErrorListForAMissingSecret() throws Exception {
            vault.enableKv("secret", 1);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/secret/my-app/missing", token, null);

            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.body()).isEqualTo("{\"errors\":[]}");
        }

        @Test
        void deniesASecretThePoliciesDoNotGrant() throws Exception {
            vault.enableKv("secret", 1);
            vault.putSecret("secret/my-app/db", Map.of("k", "v"));
            vault.policy("my-app", "secret/my-app/api", "read");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("my-app"));

            assertAclDenied(call("GET", "/v1/secret/my-app/db", token, null));
        }
    }

    @Nested
    class KvVersion2 {

        @Test
        void readsTheLatestVersionWithItsMetadata() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/my-app/db", Map.of("password", "first"));
            clock.advance(TEN_MINUTES);
            Instant before = clock.instant();
            vault.putSecret("secret/my-app/db", Map.of("password", "second", "username", "app"));
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/secret/data/my-app/db", token, null);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.at("/data/data/password").asText()).isEqualTo("second");
            assertThat(body.at("/data/data/username").asText()).isEqualTo("app");
            JsonNode metadata = body.at("/data/metadata");
            assertThat(metadata.get("version").asInt()).isEqualTo(2);
            assertThat(Instant.parse(metadata.get("created_time").asText())).isBetween(before, clock.instant());
            assertThat(metadata.get("deletion_time").asText()).isEmpty();
            assertThat(metadata.get("destroyed").asBoolean()).isFalse();
            assertThat(metadata.has("custom_metadata")).isTrue();
            assertThat(metadata.get("custom_metadata").isNull()).isTrue();
            assertThat(body.get("lease_id").asText()).isEmpty();
            assertThat(body.get("lease_duration").asLong()).isZero();
            assertThat(body.get("renewable").asBoolean()).isFalse();
        }

        @Test
        void readsAnOlderVersionWhenAskedFor() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/my-app/db", Map.of("password", "first"));
            vault.putSecret("secret/my-app/db", Map.of("password", "second"));
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply first = call("GET", "/v1/secret/data/my-app/db?version=1", token, null);
            Reply third = call("GET", "/v1/secret/data/my-app/db?version=3", token, null);

            assertThat(first.json().at("/data/data/password").asText()).isEqualTo("first");
            assertThat(first.json().at("/data/metadata/version").asInt()).isEqualTo(1);
            assertThat(third.status()).isEqualTo(404);
            assertThat(third.errors()).isEmpty();
        }

        @Test
        void answers404WithAnEmptyErrorListForAMissingSecret() throws Exception {
            vault.enableKv("secret", 2);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/secret/data/my-app/missing", token, null);

            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.body()).isEqualTo("{\"errors\":[]}");
        }

        @Test
        void aReadAtTheVersion1PathAnswers404WithTheVersionedKvWarningInAnEnvelope() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/my-app/db", Map.of("password", "p"));
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/secret/my-app/db", token, null);

            assertThat(reply.status()).isEqualTo(404);
            JsonNode body = reply.json();
            assertThat(body.has("errors")).isFalse();
            assertThat(body.get("data").isNull()).isTrue();
            assertThat(body.get("request_id").asText()).isNotBlank();
            assertThat(body.get("lease_id").asText()).isEmpty();
            assertThat(reply.warnings())
                    .containsExactly("Invalid path for a versioned K/V secrets engine. See the API docs for the"
                            + " appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this"
                            + " operation.");
        }

        @Test
        void policiesNameTheDataPathAndTheVersion1PathIsCheckedAsItIs() throws Exception {
            vault.enableKv("secret", 2);
            vault.putSecret("secret/my-app/db", Map.of("password", "p"));
            vault.policy("my-app", "secret/data/my-app/db", "read");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("my-app"));

            assertThat(call("GET", "/v1/secret/data/my-app/db", token, null).status())
                    .isEqualTo(200);
            assertAclDenied(call("GET", "/v1/secret/my-app/db", token, null));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Database (a dynamic engine)
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Database {

        @Test
        void eachReadCreatesANewCredentialAndALeaseOwnedByTheReader() throws Exception {
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ofHours(4));
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Token other = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));

            Reply first = call("GET", "/v1/database/creds/app", token, null);
            Reply second = call("GET", "/v1/database/creds/app", token, null);

            assertThat(first.status()).isEqualTo(200);
            JsonNode body = first.json();
            assertThat(body.get("lease_id").asText()).matches("database/creds/app/[A-Za-z0-9]{24}");
            assertThat(body.get("renewable").asBoolean()).isTrue();
            assertThat(body.get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(body.get("mount_type").asText()).isEqualTo("database");
            String username = body.at("/data/username").asText();
            String password = body.at("/data/password").asText();
            assertThat(username).startsWith("v-token-app-");
            assertThat(password).matches("[A-Za-z0-9]{20}A1a-\\$'\"`\\\\");
            assertThat(password)
                    .endsWith(VaultEmulator.DATABASE_PASSWORD_SUFFIX)
                    .contains("$", "'", "\"", "`", "\\");
            JsonNode again = second.json();
            assertThat(again.get("lease_id").asText())
                    .isNotEqualTo(body.get("lease_id").asText());
            assertThat(again.at("/data/username").asText()).isNotEqualTo(username);
            assertThat(again.at("/data/password").asText()).isNotEqualTo(password);
            assertThat(vault.leasesOf(token))
                    .extracting(l -> l.id)
                    .containsExactly(
                            body.get("lease_id").asText(), again.get("lease_id").asText());
            assertThat(vault.leasesOf(other)).isEmpty();
            assertThat(vault.credentials(body.get("lease_id").asText()))
                    .containsExactlyInAnyOrderEntriesOf(Map.of("username", username, "password", password));
            assertThat(vault.credentials("database/creds/app/NoSuchLease")).isNull();
        }

        @Test
        void theLeaseRenewsThroughSysLeasesRenewUpToItsMaxTtl() throws Exception {
            vault.enableDatabase("database", "app", TEN_MINUTES, ONE_HOUR);
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            String leaseId = call("GET", "/v1/database/creds/app", token, null)
                    .json()
                    .get("lease_id")
                    .asText();
            Lease lease = vault.leasesOf(token).get(0);
            clock.advance(Duration.ofMinutes(5));

            Reply renewal = leaseRenew(token, "{\"lease_id\":\"" + leaseId + "\"}");
            Reply capped = leaseRenew(token, "{\"lease_id\":\"" + leaseId + "\",\"increment\":7200}");

            assertThat(renewal.status()).isEqualTo(200);
            assertThat(renewal.json().get("lease_id").asText()).isEqualTo(leaseId);
            assertThat(renewal.json().get("lease_duration").asLong()).isEqualTo(600);
            assertThat(capped.status()).isEqualTo(200);
            long granted = capped.json().get("lease_duration").asLong();
            assertThat(granted).isBetween(3299L, 3300L);
            assertThat(capped.warnings()).singleElement().asString().contains("exceeded the effective max_ttl");
            assertThat(vault.renewals(lease)).isEqualTo(2);
        }

        @Test
        void theLeaseDiesWithTheTokenThatReadIt() throws Exception {
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ZERO);
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Token other = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            String leaseId = call("GET", "/v1/database/creds/app", token, null)
                    .json()
                    .get("lease_id")
                    .asText();
            Lease lease = vault.leasesOf(token).get(0);
            assertThat(leaseLookup(other, "PUT", leaseId).status()).isEqualTo(200);

            assertThat(call("POST", "/v1/auth/token/revoke-self", token, "").status())
                    .isEqualTo(204);

            assertInvalidLease(leaseLookup(other, "PUT", leaseId));
            assertThat(vault.isAlive(lease)).isFalse();
            assertThat(vault.leasesOf(token)).isEmpty();
        }

        @Test
        void aLoginTokensLeaseDiesWhenTheTokenExpires() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", TEN_MINUTES, "db");
            vault.policy("db", "database/creds/app", "read");
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ZERO);
            Reply login = kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("my-ns", "my-app"));
            Token token = vault.tokenById(login.json().at("/auth/client_token").asText());

            Reply read = call("GET", "/v1/database/creds/app", token, null);
            Lease lease = vault.leasesOf(token).get(0);
            clock.advance(TEN_MINUTES.plusSeconds(1));

            assertThat(read.status()).isEqualTo(200);
            assertThat(read.json().at("/data/username").asText()).startsWith("v-kubernet-app-");
            assertThat(vault.isAlive(lease)).isFalse();
            assertThat(vault.tokenById(token.id)).isSameAs(token);
            assertThat(vault.isAlive(token)).isFalse();
        }

        @Test
        void saysUnknownRoleForARoleTheMountDoesNotHave() throws Exception {
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ZERO);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/database/creds/nope", token, null);

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).containsExactly("unknown role: nope");
            assertThat(vault.leasesOf(token)).isEmpty();
        }

        @Test
        void deniesCredentialsWithoutReadOnTheCredsPath() throws Exception {
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ZERO);
            vault.enableDatabase("database", "admin", ONE_HOUR, Duration.ZERO);
            vault.policy("app", "database/creds/app", "read");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("app"));

            assertAclDenied(call("GET", "/v1/database/creds/admin", token, null));
            assertThat(call("GET", "/v1/database/creds/app", token, null).status())
                    .isEqualTo(200);
            assertThat(vault.leasesOf(token)).hasSize(1);
        }

        @Test
        void aReadInANamespaceIssuesALeaseRenewableOnlyInThatNamespace() throws Exception {
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ZERO);
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));

            Reply read = send(request("/v1/database/creds/app")
                    .header("X-Vault-Token", token.id)
                    .header("X-Vault-Namespace", "team-a")
                    .GET());
            String leaseId = read.json().get("lease_id").asText();
            String body = "{\"lease_id\":\"" + leaseId + "\"}";
            Reply outside = leaseRenew(token, body);
            Reply inside = send(request("/v1/sys/leases/renew")
                    .header("X-Vault-Token", token.id)
                    .header("X-Vault-Namespace", "team-a")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)));

            assertThat(leaseId).matches("database/creds/app/[A-Za-z0-9]{24}\\.[A-Za-z0-9]{5}");
            assertThat(outside.status()).isEqualTo(400);
            assertThat(outside.errors()).containsExactly("lease not found");
            assertThat(inside.status()).isEqualTo(200);
        }

        @Test
        void recordsTheReadWithoutAnythingOfTheCredential() throws Exception {
            vault.enableDatabase("database", "app", ONE_HOUR, Duration.ZERO);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply read = call("GET", "/v1/database/creds/app", token, null);

            RecordedRequest recorded = vault.requests("/v1/database/creds/app").get(0);
            assertThat(recorded.status()).isEqualTo(200);
            assertThat(recorded.method()).isEqualTo("GET");
            assertThat(recorded.toString())
                    .doesNotContain(
                            read.json().at("/data/password").asText(),
                            read.json().at("/data/username").asText());
        }
    }

    // ----------------------------------------------------------------------------------------------
    // HTTP helpers
    // ----------------------------------------------------------------------------------------------

    /** An answer: status, headers and raw body, the body read as JSON on demand. */
    private record Reply(int status, HttpResponse<String> response) {

        String body() {
            return response.body();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body());
        }

        List<String> errors() throws IOException {
            return texts(json().get("errors"));
        }

        List<String> warnings() throws IOException {
            return texts(json().get("warnings"));
        }

        private static List<String> texts(JsonNode array) {
            assertThat(array).isNotNull();
            assertThat(array.isArray()).as("a JSON list, not %s", array).isTrue();
            List<String> texts = new ArrayList<>();
            array.forEach(e -> texts.add(e.asText()));
            return texts;
        }
    }

    // ----------------------------------------------------------------------------------------------
    // TTL arithmetic: CalculateTTL, humanDuration, leaseEntry.ttl
    // ----------------------------------------------------------------------------------------------

    @Nested
    class TtlArithmetic {

        @Test
        void capsAtTheMaxCountedBetweenTimesTruncatedToTheSecondWithGoDurationsInTheWarning() throws Exception {
            freezeAt(700);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).maxTtl(Duration.ofHours(2)));

            clock.advance(Duration.ofMinutes(30).plusMillis(400)); // 30m1.1s after the issue's whole second
            Reply odd = renewSelf(token, "{\"increment\":\"3h\"}");
            clock.advance(Duration.ofMillis(900)); // 30m2s after it
            Reply even = renewSelf(token, "{\"increment\":\"3h\"}");

            assertTokenGrant(odd, 5399, capWarning("TTL", "3h", "1h29m59s"));
            assertTokenGrant(even, 5398, capWarning("TTL", "3h", "1h29m58s"));
        }

        @Test
        void dropsTheZeroPartsOfADurationAsHumanDurationDoes() throws Exception {
            freezeAt(0);
            Token hours = vault.createToken(TokenSpec.ttl(TEN_MINUTES).maxTtl(Duration.ofHours(3)));
            Token minutes = vault.createToken(TokenSpec.ttl(TEN_MINUTES).maxTtl(Duration.ofMinutes(90)));
            Token seconds =
                    vault.createToken(TokenSpec.ttl(Duration.ofSeconds(30)).maxTtl(Duration.ofSeconds(45)));

            Reply wholeHours = renewSelf(hours, "{\"increment\":\"768h\"}");
            Reply hoursAndMinutes = renewSelf(minutes, "{\"increment\":\"2h\"}");
            Reply onlySeconds = renewSelf(seconds, "{\"increment\":\"1m\"}");

            assertThat(wholeHours.warnings()).containsExactly(capWarning("TTL", "768h", "3h"));
            assertThat(hoursAndMinutes.warnings()).containsExactly(capWarning("TTL", "2h", "1h30m"));
            assertThat(onlySeconds.warnings()).containsExactly(capWarning("TTL", "1m", "45s"));
        }

        @Test
        void theNewExpiryIsTheUntruncatedNowPlusTheGrantedTtl() throws Exception {
            Instant start = freezeAt(0);
            Token token =
                    vault.createToken(TokenSpec.ttl(Duration.ofMinutes(30)).maxTtl(ONE_HOUR));

            clock.advance(Duration.ofMinutes(20).plusMillis(700));
            Reply renewal = renewSelf(token, "{\"increment\":\"1h\"}");

            // 40m left from the truncated clock; the grant starts at the untruncated one
            assertThat(renewal.json().at("/auth/lease_duration").asLong()).isEqualTo(2400);
            Instant expiry = Instant.parse(
                    lookupSelf(token).json().at("/data/expire_time").asText());
            assertThat(expiry).isEqualTo(start.plus(ONE_HOUR).plusMillis(700));
            assertThat(vault.expiry(token)).isEqualTo(expiry);
        }

        @Test
        void aLookupCountsTheTtlFromTheClockRoundedToTheSecondAndTruncatesIt() throws Exception {
            freezeAt(400);
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);

            long tokenAtOnce = lookupSelf(token).json().at("/data/ttl").asLong();
            long leaseAtOnce =
                    leaseLookup(token, "PUT", lease.id).json().at("/data/ttl").asLong();
            clock.advance(Duration.ofMillis(200)); // 0.6 s into the second: rounded up
            long tokenLater = lookupSelf(token).json().at("/data/ttl").asLong();
            long leaseLater =
                    leaseLookup(token, "PUT", lease.id).json().at("/data/ttl").asLong();

            // 600.4 s left, counted from the whole second before: 600; 599.8 s left, from the second after: 599.4 → 599
            assertThat(List.of(tokenAtOnce, leaseAtOnce)).containsOnly(600L);
            assertThat(List.of(tokenLater, leaseLater)).containsOnly(599L);
            assertThat(vault.ttl(token)).isEqualTo(599);
            assertThat(vault.ttl(lease)).isEqualTo(599);
        }

        @Test
        void creationTtlIsWhatTheCreationGrantedAfterItsCapNotWhatWasAsked() throws Exception {
            Token capped = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)).maxTtl(ONE_HOUR));
            vault.tuneAuthMount("token", Duration.ofMinutes(30));
            Token cappedByTheMount = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            clock.advance(TEN_MINUTES);
            renewSelf(capped, "{\"increment\":\"5m\"}");

            assertThat(lookupSelf(capped).json().at("/data/creation_ttl").asLong())
                    .isEqualTo(3600);
            assertThat(lookupSelf(cappedByTheMount)
                            .json()
                            .at("/data/creation_ttl")
                            .asLong())
                    .isEqualTo(1800);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // what a token's renewal grants without increment: the backend's TTL
    // ----------------------------------------------------------------------------------------------

    @Nested
    class RenewalBackendTtl {

        @Test
        void aTokenStoreTokenIsGrantedItsLastGrantNotItsCreationTtl() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply longer = renewSelf(token, "{\"increment\":\"1h\"}");
            clock.advance(TEN_MINUTES);
            Reply again = renewSelf(token, null);

            assertThat(longer.json().at("/auth/lease_duration").asLong()).isEqualTo(3600);
            assertThat(again.json().at("/auth/lease_duration").asLong()).isEqualTo(3600);
            assertThat(lookupSelf(token).json().at("/data/creation_ttl").asLong())
                    .isEqualTo(600);
        }

        @Test
        void aKubernetesLoginIsGrantedItsRolesCurrentTokenTtl() throws Exception {
            Token token = kubernetesLoginToken(TEN_MINUTES);

            vault.kubernetesRoleTokenTtls(
                    "kubernetes", "my-role", Duration.ofMinutes(20), Duration.ZERO, Duration.ZERO);
            Reply renewal = renewSelf(token, null);

            assertThat(renewal.json().at("/auth/lease_duration").asLong()).isEqualTo(1200);
            assertThat(lookupSelf(token).json().at("/data/creation_ttl").asLong())
                    .isEqualTo(600);
        }

        @Test
        void aKubernetesRolesTokenMaxTtlCapsTheLoginAndEveryRenewalFromTheLogin() throws Exception {
            freezeAt(0);
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            vault.kubernetesRoleTokenTtls("kubernetes", "my-role", ONE_HOUR, Duration.ofMinutes(90), Duration.ZERO);
            Token token = loggedInToken();

            clock.advance(Duration.ofMinutes(50));
            Reply renewal = renewSelf(token, null);

            assertThat(lookupSelf(token).json().at("/data/creation_ttl").asLong())
                    .isEqualTo(3600);
            assertTokenGrant(renewal, 2400, capWarning("TTL", "1h", "40m"));
        }

        @Test
        void aPeriodGivenToTheRoleAfterTheLoginMakesTheNextRenewalPeriodic() throws Exception {
            Token token = kubernetesLoginToken(TEN_MINUTES);

            vault.kubernetesRoleTokenTtls("kubernetes", "my-role", TEN_MINUTES, Duration.ZERO, Duration.ofHours(2));
            Reply renewal = renewSelf(token, "{\"increment\":\"5m\"}");

            assertThat(renewal.json().at("/auth/lease_duration").asLong()).isEqualTo(7200);
        }

        @Test
        void theAuthMountsMaxTtlCapsALoginWithTheWarningInTheLoginsAnswer() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", Duration.ZERO, "app");
            vault.tuneAuthMount("kubernetes", ONE_HOUR);

            Reply login = kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("my-ns", "my-app"));

            assertTokenGrant(login, 3600, capWarning("TTL", "768h", "1h"));
            assertThat(call("GET", "/v1/sys/internal/ui/mounts/auth/kubernetes", vault.createRootToken(), null)
                            .json()
                            .at("/data/config/max_lease_ttl")
                            .asLong())
                    .isEqualTo(3600);
        }

        @Test
        void anAppRoleLoginIsGrantedItsRolesCurrentTtlMaxAndPeriod() throws Exception {
            String roleId = vault.appRole("my-app", TEN_MINUTES, null, "my-app");
            Token token = vault.tokenById(appRoleLogin(roleId, vault.secretId("my-app"))
                    .json()
                    .at("/auth/client_token")
                    .asText());

            vault.appRoleTokenTtls("my-app", Duration.ofMinutes(20), Duration.ZERO, Duration.ZERO);
            Reply longer = renewSelf(token, null);
            vault.appRoleTokenTtls("my-app", Duration.ofMinutes(20), Duration.ZERO, Duration.ofMinutes(45));
            Reply periodic = renewSelf(token, null);

            assertThat(longer.json().at("/auth/lease_duration").asLong()).isEqualTo(1200);
            assertThat(periodic.json().at("/auth/lease_duration").asLong()).isEqualTo(2700);
        }

        @Test
        void renewingATokenWhoseKubernetesRoleWasDeletedIs500NamingTheRoleUnquoted() throws Exception {
            Token token = kubernetesLoginToken(TEN_MINUTES);

            vault.deleteKubernetesRole("kubernetes", "my-role");
            Reply renewal = renewSelf(token, null);
            Reply login = kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("my-ns", "my-app"));

            // expiration.go's renewAuthEntry wraps the auth method's error ("failed to renew entry: %w"), and
            // request_handling.go appends it to a go-multierror
            assertError(
                    renewal,
                    500,
                    "1 error occurred:\n\t* failed to renew entry: role my-role does not exist during"
                            + " renewal\n\n");
            assertError(login, 400, "invalid role name \"my-role\"");
        }

        @Test
        void renewingATokenWhoseAppRoleWasDeletedIs500NamingTheRoleQuoted() throws Exception {
            String roleId = vault.appRole("my-role", TEN_MINUTES, null, "my-app");
            String secretId = vault.secretId("my-role");
            Token token = vault.tokenById(appRoleLogin(roleId, secretId)
                    .json()
                    .at("/auth/client_token")
                    .asText());

            vault.deleteAppRole("my-role");
            Reply renewal = renewSelf(token, null);
            Reply login = appRoleLogin(roleId, secretId);

            assertError(
                    renewal,
                    500,
                    "1 error occurred:\n\t* failed to renew entry: role \"my-role\" does not exist"
                            + " during renewal\n\n");
            assertError(login, 400, "invalid role or secret ID");
        }

        private Token kubernetesLoginToken(Duration ttl) throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ttl, "app");
            return loggedInToken();
        }

        private Token loggedInToken() throws Exception {
            Reply login = kubernetesLogin("kubernetes", "my-role", vault.serviceAccountJwt("my-ns", "my-app"));
            assertThat(login.status()).isEqualTo(200);
            return vault.tokenById(login.json().at("/auth/client_token").asText());
        }
    }

    // ----------------------------------------------------------------------------------------------
    // num_uses
    // ----------------------------------------------------------------------------------------------

    @Nested
    class NumUses {

        @Test
        void everyCallSpendsAUseBeforeItIsAnsweredSoLookupSelfShowsWhatIsLeftAfterIt() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(4));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            long first = lookupSelf(token).json().at("/data/num_uses").asLong();
            leaseLookup(token, "PUT", lease.id);
            long afterALeaseLookup =
                    lookupSelf(token).json().at("/data/num_uses").asLong();

            assertThat(first).isEqualTo(3);
            assertThat(afterALeaseLookup).isEqualTo(1);
            assertThat(vault.usesLeft(token)).isEqualTo(1);
        }

        @Test
        void theCallThatSpendsTheLastUseSucceedsThenTheTokenAndItsLeasesAreRevoked() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(2));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            Reply first = leaseLookup(token, "PUT", lease.id);
            Reply last = leaseLookup(token, "PUT", lease.id);
            Reply after = lookupSelf(token);

            assertThat(first.status()).isEqualTo(200);
            assertThat(last.status()).isEqualTo(200);
            assertError(after, 403, "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
            assertThat(vault.isAlive(token)).isFalse();
            assertThat(vault.isAlive(lease)).isFalse();
        }

        @Test
        void lookupSelfOnTheLastUseAnswersWithNumUsesMinusOne() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(1));

            Reply last = lookupSelf(token);

            assertThat(last.status()).isEqualTo(200);
            assertThat(last.json().at("/data/num_uses").asLong()).isEqualTo(-1);
            assertThat(vault.isAlive(token)).isFalse();
        }

        @Test
        void renewSelfOnTheLastUseSaysTokenNotFound() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(1));

            Reply last = renewSelf(token, null);

            assertError(last, 400, "token not found");
            assertThat(vault.renewals(token)).isZero();
        }

        @Test
        void aLeaseRenewalOnTheLastUseIsAppliedButAnsweredWithVaultsErrorResponse() throws Exception {
            Token owner = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(owner, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(1));

            Reply last = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertError(
                    last,
                    400,
                    "Secret cannot be returned; token had one use left, so leased credentials were"
                            + " immediately revoked.");
            assertThat(vault.renewals(lease)).isEqualTo(1);
            assertThat(vault.isAlive(lease)).isTrue();
        }

        @Test
        void aCallThePoliciesRefuseSpendsAUseToo() throws Exception {
            Token token =
                    vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("app").numUses(3));

            Reply denied = call("PUT", "/v1/sys/leases/revoke", token, "{\"lease_id\":\"database/creds/app/x\"}");

            assertAclDenied(denied);
            assertThat(lookupSelf(token).json().at("/data/num_uses").asLong()).isEqualTo(1);
        }

        @Test
        void theAuthBlockOfARenewalReportsTheUsesTheTokenWasCreatedWith() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(5));

            Reply renewal = renewSelf(token, null);

            // RenewToken answers the auth kept in the token's lease entry, num_uses as at the creation
            assertThat(renewal.json().at("/auth/num_uses").asLong()).isEqualTo(5);
            assertThat(vault.usesLeft(token)).isEqualTo(4);
        }

        @Test
        void aLoginSpendsNoUseOfTheTokenItCarries() throws Exception {
            vault.enableKubernetesAuth("kubernetes");
            vault.kubernetesRole("kubernetes", "my-role", "my-app", "my-ns", ONE_HOUR, "app");
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(2));
            String body = JSON.createObjectNode()
                    .put("role", "my-role")
                    .put("jwt", vault.serviceAccountJwt("my-ns", "my-app"))
                    .toString();

            Reply login = call("POST", "/v1/auth/kubernetes/login", token, body);

            assertThat(login.status()).isEqualTo(200);
            assertThat(vault.usesLeft(token)).isEqualTo(2);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // the default policy on the token and lease endpoints
    // ----------------------------------------------------------------------------------------------

    @Nested
    class DefaultPolicy {

        @Test
        void grantsLookupRenewAndRevokeOfItselfAndLookupAndRenewOfLeases() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("grants-nothing"));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            String body = "{\"lease_id\":\"" + lease.id + "\"}";

            assertThat(lookupSelf(token).status()).isEqualTo(200);
            assertThat(renewSelf(token, null).status()).isEqualTo(200);
            assertThat(leaseLookup(token, "PUT", lease.id).status()).isEqualTo(200);
            assertThat(leaseRenew(token, body).status()).isEqualTo(200);
            assertThat(call("PUT", "/v1/sys/renew", token, body).status()).isEqualTo(200);
            assertThat(call("POST", "/v1/auth/token/revoke-self", token, "").status())
                    .isEqualTo(204);
        }

        @Test
        void deniesAPostToLookupSelfWhichIsAnUpdateWhereItGrantsOnlyRead() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("app"));

            assertAclDenied(call("POST", "/v1/auth/token/lookup-self", token, ""));
            assertThat(lookupSelf(token).status()).isEqualTo(200);
        }

        @Test
        void doesNotGrantSysLeasesRevoke() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("app"));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            Reply denied = call("PUT", "/v1/sys/leases/revoke", token, "{\"lease_id\":\"" + lease.id + "\"}");
            vault.policy("app", "sys/leases/revoke", "update");
            Reply allowed = call("PUT", "/v1/sys/leases/revoke", token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertAclDenied(denied);
            assertThat(allowed.status()).isEqualTo(204);
            assertThat(vault.isAlive(lease)).isFalse();
        }

        @Test
        void grantsTheExactPathOnlyNotALeaseIdInThePath() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("app"));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            assertAclDenied(call("PUT", "/v1/sys/leases/renew/" + lease.id, token, ""));
        }

        @Test
        void aDenyAddedToItRefusesRenewSelf() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).policies("app"));
            Token withoutPolicies = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            vault.policy("default", "auth/token/renew-self", "deny");

            assertAclDenied(renewSelf(token, null));
            assertThat(renewSelf(withoutPolicies, null).status()).isEqualTo(200);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // revocations that fail: leases kept, retried, irrevocable
    // ----------------------------------------------------------------------------------------------

    @Nested
    class FailedRevocations {

        private static final String ENGINE_ERROR = "error revoking user: connect: connection refused";
        private static final String REVOKE_ERROR =
                "failed to revoke entry: resp: (*logical.Response)(nil) err: " + ENGINE_ERROR;

        /** The owner of {@link #failingLease()}'s leases, valid long after they expire. */
        private final Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));

        /** A ten-minute lease of the database engine, whose revocations fail from now on. */
        private Lease failingLease() {
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);
            vault.failRevocations("database", ENGINE_ERROR);
            return lease;
        }

        @Test
        void anExpiredLeaseIsKeptNotRenewableWithANegativeTtlWhileItsEngineFails() throws Exception {
            Instant start = freezeAt(0);
            Lease lease = failingLease();

            clock.advance(TEN_MINUTES.plusSeconds(5));
            Reply lookup = leaseLookup(token, "PUT", lease.id);
            Reply renewal = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertThat(lookup.status()).isEqualTo(200);
            JsonNode data = lookup.json().get("data");
            assertThat(data.get("renewable").asBoolean()).isFalse();
            assertThat(data.get("ttl").asLong()).isEqualTo(-5);
            assertThat(Instant.parse(data.get("expire_time").asText())).isEqualTo(start.plus(TEN_MINUTES));
            assertThat(data.has("revoke_error")).isFalse();
            assertError(renewal, 400, "lease expired");
            assertThat(vault.isAlive(lease)).isFalse();
            assertThat(vault.isHeld(lease)).isTrue();
        }

        @Test
        void itIsTriedSixTimesWithTheBackoffsMidpointsThenMarkedIrrevocable() throws Exception {
            freezeAt(0);
            Lease lease = failingLease();
            String body = "{\"lease_id\":\"" + lease.id + "\"}";

            // tries at expiry, then 20, 40, 80, 160 and 320 s after each failure: the sixth 620 s after expiry
            clock.advance(TEN_MINUTES.plusSeconds(619));
            Reply beforeTheSixth = leaseRenew(token, body);
            boolean irrevocableBefore = vault.isIrrevocable(lease);
            clock.advance(Duration.ofSeconds(1));
            Reply lookup = leaseLookup(token, "PUT", lease.id);
            Reply renewal = leaseRenew(token, body);

            assertThat(beforeTheSixth.errors()).containsExactly("lease expired");
            assertThat(irrevocableBefore).isFalse();
            assertThat(lookup.status()).isEqualTo(200);
            assertThat(lookup.json().at("/data/renewable").asBoolean()).isFalse();
            assertThat(lookup.json().at("/data/ttl").asLong()).isEqualTo(-620);
            assertThat(lookup.json().at("/data/revoke_error").asText()).isEqualTo("out of retries: " + REVOKE_ERROR);
            assertError(renewal, 400, "lease is expired and has failed previous revocation attempts");
            assertThat(vault.isIrrevocable(lease)).isTrue();
        }

        @Test
        void aKeptLeaseGoesAtItsNextTryOnceItsEngineRevokesAgain() throws Exception {
            freezeAt(0);
            Lease lease = failingLease();
            clock.advance(TEN_MINUTES.plusSeconds(30)); // tried at expiry and 20 s later; next at 60 s

            vault.restoreRevocations("database");
            clock.advance(Duration.ofSeconds(29));
            boolean heldUntilTheTry = vault.isHeld(lease);
            clock.advance(Duration.ofSeconds(1));

            assertThat(heldUntilTheTry).isTrue();
            assertInvalidLease(leaseLookup(token, "PUT", lease.id));
            Reply renewal = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");
            assertError(renewal, 400, "lease not found");
        }

        @Test
        void anIrrevocableLeaseGoesOnlyWithTheDailyTryOfLeasesExpiredOverAnHourBefore() throws Exception {
            Lease lease = failingLease();
            clock.advance(TEN_MINUTES.plusSeconds(620));
            assertThat(vault.isIrrevocable(lease)).isTrue();

            vault.restoreRevocations("database");
            clock.advance(Duration.ofHours(23)); // the daily try comes 24 h after the emulator's start
            boolean heldBeforeTheDailyTry = vault.isHeld(lease);
            clock.advance(ONE_HOUR);

            assertThat(heldBeforeTheDailyTry).isTrue();
            assertThat(vault.isHeld(lease)).isFalse();
            assertInvalidLease(leaseLookup(vault.createRootToken(), "PUT", lease.id));
        }

        @Test
        void theLeasesOfATokenThatExpiresAreKeptFromItsExpiryWhileTheirEngineFails() throws Exception {
            Instant start = freezeAt(0);
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofHours(2), Duration.ZERO, true);
            Token root = vault.createRootToken();
            vault.failRevocations("database", ENGINE_ERROR);

            clock.advance(ONE_HOUR.plusSeconds(3));
            Reply lookup = leaseLookup(root, "PUT", lease.id);

            assertThat(vault.isAlive(token)).isFalse();
            assertThat(lookup.status()).isEqualTo(200);
            assertThat(Instant.parse(lookup.json().at("/data/expire_time").asText()))
                    .isEqualTo(start.plus(ONE_HOUR));
            assertThat(lookup.json().at("/data/ttl").asLong()).isEqualTo(-3);
            assertThat(lookup.json().at("/data/renewable").asBoolean()).isFalse();
            assertThat(vault.isHeld(lease)).isTrue();
        }

        @Test
        void revokingALeaseWhileItsEngineFailsIs400WithVaultsTextAndKeepsIt() throws Exception {
            Token root = vault.createRootToken();
            Lease lease = vault.createLease(root, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            String body = "{\"lease_id\":\"" + lease.id + "\"}";
            vault.failRevocations("database", ENGINE_ERROR);

            Reply failed = call("PUT", "/v1/sys/leases/revoke", root, body);
            boolean aliveAfterTheFailure = vault.isAlive(lease);
            vault.restoreRevocations("database");
            Reply revoked = call("PUT", "/v1/sys/leases/revoke", root, body);

            assertError(failed, 400, REVOKE_ERROR);
            assertThat(aliveAfterTheFailure).isTrue();
            assertThat(revoked.status()).isEqualTo(204);
            assertThat(vault.isHeld(lease)).isFalse();
        }

        @Test
        void anotherEnginesLeasesAreRevokedAsUsual() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Lease lease = vault.createLease(token, "aws/creds/deploy", TEN_MINUTES, ONE_HOUR, true);
            vault.failRevocations("database", ENGINE_ERROR);

            clock.advance(TEN_MINUTES);

            assertThat(vault.isHeld(lease)).isFalse();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // rate-limit quotas
    // ----------------------------------------------------------------------------------------------

    @Nested
    class RateLimitQuota {

        @Test
        void refusesTheNextCallsWith429NamingThePathWithoutHeadersUnlessEnabled() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            String body = "{\"lease_id\":\"" + lease.id + "\"}";
            vault.rateLimitQuota("sys/leases/renew", 2, 10, Duration.ofSeconds(1), false);

            List<Reply> refused = List.of(leaseRenew(token, body), leaseRenew(token, body));
            Reply allowed = leaseRenew(token, body);

            for (Reply reply : refused) {
                assertError(reply, 429, "request path \"sys/leases/renew\": rate limit quota exceeded");
                assertThat(reply.header("Retry-After")).isNull();
                assertThat(reply.header("X-RateLimit-Limit")).isNull();
                assertThat(reply.header("X-RateLimit-Remaining")).isNull();
                assertThat(reply.header("X-RateLimit-Reset")).isNull();
            }
            assertThat(allowed.status()).isEqualTo(200);
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }

        @Test
        void withResponseHeadersEnabledARefusalCarriesRetryAfterAndTheRateLimitHeaders() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            freezeAt(0);
            vault.rateLimitQuota("sys/leases/", 1, 20, Duration.ofMinutes(1), true);

            clock.advance(Duration.ofSeconds(15));
            Reply reply = leaseLookup(token, "PUT", "database/creds/app/x");

            assertError(reply, 429, "request path \"sys/leases/lookup\": rate limit quota exceeded");
            assertThat(reply.header("Retry-After")).isEqualTo("45");
            assertThat(reply.header("X-RateLimit-Limit")).isEqualTo("20");
            assertThat(reply.header("X-RateLimit-Remaining")).isEqualTo("0");
            assertThat(reply.header("X-RateLimit-Reset")).isEqualTo("45");
        }

        @Test
        void aRefusedCallIsNotAppliedAndSpendsNoUse() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).numUses(3));
            vault.rateLimitQuota("auth/token/renew-self", 1, 1, Duration.ofSeconds(1), true);

            Reply refused = renewSelf(token, null);

            assertThat(refused.status()).isEqualTo(429);
            assertThat(vault.renewals(token)).isZero();
            assertThat(vault.usesLeft(token)).isEqualTo(3);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // the ledger: what ended and why, the faults applied
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Ledger {

        private final Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));

        @Test
        void aLeaseEndsAtItsMaxTtlWhenNoRenewalCouldKeepItAndOnItsTtlWhenOneCould() throws Exception {
            Instant start = freezeAt(0);
            Lease capped = vault.createLease(token, "database/creds/app", TEN_MINUTES, Duration.ofMinutes(15), true);
            Lease forgotten = vault.createLease(token, "database/creds/app", TEN_MINUTES, Duration.ZERO, true);

            clock.advance(Duration.ofMinutes(6));
            Reply renewal = leaseRenew(token, "{\"lease_id\":\"" + capped.id + "\"}");
            clock.advance(Duration.ofMinutes(10));

            assertThat(renewal.status()).isEqualTo(200);
            assertThat(renewal.json().get("lease_duration").asLong()).isEqualTo(9 * 60);
            assertThat(vault.isAlive(capped)).isFalse();
            assertThat(vault.ledger.endings())
                    .containsExactlyInAnyOrder(
                            new VaultLedger.Ending("lease", forgotten.id, start.plus(TEN_MINUTES), VaultLedger.Why.TTL),
                            new VaultLedger.Ending(
                                    "lease", capped.id, start.plus(Duration.ofMinutes(15)), VaultLedger.Why.MAX_TTL));
        }

        @Test
        void aTokensExpiryEndsItOnItsTtlAndItsLeasesWithIt() {
            Instant start = freezeAt(0);
            Token shortLived = vault.createToken(TokenSpec.ttl(Duration.ofMinutes(5)));
            Lease lease = vault.createLease(shortLived, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            clock.advance(Duration.ofMinutes(6));

            assertThat(vault.isAlive(lease)).isFalse();
            Instant end = start.plus(Duration.ofMinutes(5));
            assertThat(vault.ledger.endings())
                    .containsExactly(
                            new VaultLedger.Ending("token", shortLived.accessor, end, VaultLedger.Why.TTL),
                            new VaultLedger.Ending("lease", lease.id, end, VaultLedger.Why.TOKEN));
        }

        @Test
        void aTokenEndsAtItsExplicitMaxTtl() throws Exception {
            Instant start = freezeAt(0);
            Token capped = vault.createToken(TokenSpec.ttl(TEN_MINUTES).maxTtl(Duration.ofMinutes(15)));

            clock.advance(Duration.ofMinutes(8));
            Reply renewal = renewSelf(capped, null);
            clock.advance(Duration.ofMinutes(8));

            assertThat(renewal.status()).isEqualTo(200);
            assertThat(vault.isAlive(capped)).isFalse();
            assertThat(vault.ledger.endings())
                    .containsExactlyInAnyOrder(new VaultLedger.Ending(
                            "token", capped.accessor, start.plus(Duration.ofMinutes(15)), VaultLedger.Why.MAX_TTL));
        }

        @Test
        void countsEachFaultItAppliedByKind() throws Exception {
            vault.inject("/v1/auth/token/renew-self", 1, new Drop());
            vault.inject("/v1/auth/token/lookup-self", 2, VaultEmulator.status(502, "upstream connect error"));
            vault.rateLimitQuota("auth/token/", 1, 10, Duration.ofSeconds(5), true);
            vault.rateLimitQuota("auth/token/", 1, 10, Duration.ofSeconds(5), false);

            assertThatThrownBy(() -> renewSelf(token, null)).isInstanceOf(IOException.class);
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                statuses.add(lookupSelf(token).status());
            }
            vault.seal();
            statuses.add(lookupSelf(token).status());
            vault.unseal();
            statuses.add(lookupSelf(token).status());

            assertThat(statuses).containsExactly(502, 502, 429, 429, 503, 200);
            assertThat(vault.ledger.faults())
                    .isEqualTo(Map.of("drop", 1, "status-502", 2, "429-retry-after", 1, "429", 1, "sealed", 1));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // a standby node
    // ----------------------------------------------------------------------------------------------

    @Nested
    class StandbyNode {

        @Test
        void redirectsEveryRequestToTheActiveNodeWithItsPathAndQueryAndNoBody() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            VaultEmulator.Standby standby = vault.startStandby("https://vault-0.vault-internal:8200/");

            HttpResponse<String> answer = http.send(
                    HttpRequest.newBuilder(URI.create(standby.address() + "/v1/sys/leases/lookup?list=true"))
                            .header("X-Vault-Token", token.id)
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"lease_id\":\"a/b\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(307);
            assertThat(answer.headers().firstValue("Location"))
                    .hasValue("https://vault-0.vault-internal:8200/v1/sys/leases/lookup?list=true");
            assertThat(answer.body()).isEmpty();
            assertThat(vault.requests()).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(307);
                assertThat(r.leaseId()).isEqualTo("a/b");
                assertThat(r.header("Host")).isEqualTo("127.0.0.1:" + standby.port());
            });
        }

        @Test
        void answersItselfOncePromotedAndRedirectsAgainWhenToldTo() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            VaultEmulator.Standby standby = vault.startStandby(vault.address());
            HttpRequest lookup = HttpRequest.newBuilder(URI.create(standby.address() + "/v1/auth/token/lookup-self"))
                    .header("X-Vault-Token", token.id)
                    .build();

            standby.promote();
            int promoted =
                    http.send(lookup, HttpResponse.BodyHandlers.ofString()).statusCode();
            standby.redirectTo(vault.address());
            int demoted =
                    http.send(lookup, HttpResponse.BodyHandlers.ofString()).statusCode();

            assertThat(promoted).isEqualTo(200);
            assertThat(demoted).isEqualTo(307);
        }

        /**
         * What {@code goDown()} shows a client, as a node that is gone (its pod deleted or killed) does: not an answer
         * of Vault's but the connection's end. A call being answered gets no status line at all and is not applied;
         * a new connection is refused; after {@code comeBack()} the same address answers again.
         */
        @Test
        void goingDownCutsTheCallItIsAnsweringAppliesNothingAndRefusesNewCallsUntilItComesBack() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);
            VaultEmulator.Standby node = vault.startStandby(vault.address());
            node.promote();
            vault.inject("/v1/sys/leases/renew", 1, new Delay(Duration.ofSeconds(2)));
            HttpRequest renew = HttpRequest.newBuilder(URI.create(node.address() + "/v1/sys/leases/renew"))
                    .header("X-Vault-Token", token.id)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"lease_id\":\"" + lease.id + "\",\"increment\":600}"))
                    .build();
            HttpRequest lookup = HttpRequest.newBuilder(URI.create(node.address() + "/v1/auth/token/lookup-self"))
                    .header("X-Vault-Token", token.id)
                    .build();

            java.util.concurrent.CompletableFuture<HttpResponse<String>> renewing =
                    http.sendAsync(renew, HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> vault.arrivals() == 1);
            node.goDown();

            // cut at once: the client's call ends long before the 2 s the answer was held back for
            assertThatThrownBy(() -> renewing.get(1500, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .isInstanceOf(java.util.concurrent.ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class);
            assertThatThrownBy(() -> http.send(lookup, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.net.ConnectException.class);
            // once the held-back answer's time is over: recorded without a status, the lease not renewed
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !vault.requests("/v1/sys/leases/renew").isEmpty());
            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .singleElement()
                    .satisfies(r -> assertThat(r.status()).isZero());
            assertThat(vault.renewals(lease)).isZero();

            node.comeBack();
            assertThat(http.send(lookup, HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
        }
    }

    private static String cappedWarning(long grantedSeconds) {
        String max = grantedSeconds == 3595 ? "59m55s" : "59m54s";
        return capWarning("TTL", "1h", max);
    }

    /** A token's grant (renew-self, login) of {@code seconds}, capped with exactly this warning. */
    private static void assertTokenGrant(Reply reply, long seconds, String warning) throws IOException {
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().at("/auth/lease_duration").asLong()).isEqualTo(seconds);
        assertThat(reply.warnings()).containsExactly(warning);
    }

    /** {@code CalculateTTL}'s warning: the {@code TTL} or {@code period} wanted, capped at the max. */
    private static String capWarning(String what, String wanted, String max) {
        return what + " of \"" + wanted + "\" exceeded the effective max_ttl of \"" + max + "\"; " + what
                + " value is capped accordingly";
    }

    /** Vault's error answer: this status, and exactly this one error. */
    private static void assertError(Reply reply, int status, String error) throws IOException {
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.errors()).containsExactly(error);
    }

    private static void assertInvalidLease(Reply reply) throws IOException {
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("invalid lease"));
    }

    /**
     * Stops the clock {@code millis} past the next whole second: Vault truncates and rounds its times to the second,
     * so what it grants and answers then depends on where in a second a call comes.
     */
    private Instant freezeAt(int millis) {
        clock.freeze();
        int nanos = clock.instant().getNano();
        clock.advance(Duration.ofNanos(nanos == 0 ? 0 : 1_000_000_000L - nanos).plusMillis(millis));
        return clock.instant();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(vault.address() + path)).timeout(Duration.ofSeconds(10));
    }

    private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response);
    }

    /** A call with the token (if any) in X-Vault-Token and a body (null: none). */
    private Reply call(String method, String path, Token token, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = request(path).header("X-Vault-Request", "true");
        if (token != null) {
            request.header("X-Vault-Token", token.id);
        }
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return send(request);
    }

    private Reply lookupSelf(Token token) throws IOException, InterruptedException {
        return call("GET", "/v1/auth/token/lookup-self", token, null);
    }

    /** {@code auth/token/lookup} by {@code caller} (null: no token) of the token {@code named}. */
    private Reply tokenLookup(Token caller, String method, Token named) throws IOException, InterruptedException {
        return call(method, "/v1/auth/token/lookup", caller, "{\"token\":\"" + named.id + "\"}");
    }

    private Reply renewSelf(Token token, String body) throws IOException, InterruptedException {
        return call("POST", "/v1/auth/token/renew-self", token, body == null ? "" : body);
    }

    private Reply leaseLookup(Token token, String method, String leaseId) throws IOException, InterruptedException {
        return call(method, "/v1/sys/leases/lookup", token, "{\"lease_id\":\"" + leaseId + "\"}");
    }

    private Reply leaseRenew(Token token, String body) throws IOException, InterruptedException {
        return call("PUT", "/v1/sys/leases/renew", token, body);
    }

    /** The ACL's refusal: a valid token whose policies do not grant the call. */
    private static void assertAclDenied(Reply reply) throws IOException {
        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.errors()).containsExactly("1 error occurred:\n\t* permission denied\n\n");
    }

    private static List<String> texts(JsonNode array) {
        assertThat(array.isArray()).as("a JSON list, not %s", array).isTrue();
        List<String> texts = new ArrayList<>();
        array.forEach(e -> texts.add(e.asText()));
        return texts;
    }

    private static JsonNode jwtClaims(String jwt) throws IOException {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private Reply kubernetesLogin(String mount, String role, String jwt) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("role", role).put("jwt", jwt).toString();
        return call("POST", "/v1/auth/" + mount + "/login", null, body);
    }

    private Reply appRoleLogin(String roleId, String secretId) throws IOException, InterruptedException {
        String body = JSON.createObjectNode()
                .put("role_id", roleId)
                .put("secret_id", secretId)
                .toString();
        return call("POST", "/v1/auth/approle/login", null, body);
    }
}
