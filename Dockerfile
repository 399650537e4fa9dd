# kube-vault-auth-renewer: built with the same Maven Wrapper as CI, run on a small JRE as a non-root user.
#
#   docker build -t kube-vault-auth-renewer:0.1.0 .
#
# The bases are pinned by tag; to pin them by digest, look the digest up and put it after the tag:
#   docker buildx imagetools inspect eclipse-temurin:21-jre-noble    (prints "Digest: sha256:…")
#   FROM eclipse-temurin:21-jre-noble@sha256:<that digest>

FROM eclipse-temurin:21-jdk-noble AS build
WORKDIR /build
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN ./mvnw -B -q -DskipTests -Dspotless.skip=true package
COPY bin/ bin/
# beside the jar, the Jolokia JVM agent that the start script loads only with JOLOKIA_ENABLED=true (Hawtio)
RUN mkdir -p /app/bin \
 && cp target/kube-vault-auth-renewer.jar target/jolokia-agent.jar /app/ \
 && cp bin/kube-vault-auth-renewer bin/record-start-archive /app/bin/
# the class-data-sharing archive the start script maps (faster start, and ~30 MiB of class metadata shared
# by every renewer on a node): recorded by a training run of the renewer until its first cycle, against an
# address where nothing listens, with the runtime's JVM (bench/footprint.sh records it the same way)
FROM eclipse-temurin:21-jre-noble AS archive
COPY --from=build /app/ /app/
RUN /app/bin/record-start-archive && test -s /app/kube-vault-auth-renewer.jsa

FROM eclipse-temurin:21-jre-noble
LABEL org.opencontainers.image.title="kube-vault-auth-renewer" \
      org.opencontainers.image.description="Sidecar that keeps a Vault token and its secrets' leases alive for the life of a pod" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:21-jre-noble"
COPY --from=archive --chown=0:0 /app/ /app/
# nothing is written outside /tmp: mount an emptyDir there with readOnlyRootFilesystem
ENV JAVA_OPTS="" \
    JAVA_TOOL_OPTIONS="-Djava.io.tmpdir=/tmp"
USER 10001:10001
EXPOSE 9876
ENTRYPOINT ["/app/bin/kube-vault-auth-renewer"]
