# Caracal: one image, every role. Build stage compiles the shaded CLI jar with the Maven Wrapper;
# the runtime stage is a JRE running as a non-root user.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests -pl cli -am install

FROM eclipse-temurin:17-jre
RUN groupadd --system caracal && useradd --system --gid caracal --home-dir /var/lib/caracal --create-home caracal \
  && install -d -o caracal -g caracal -m 0700 /var/lib/caracal-ledger-keys
COPY --from=build /src/cli/target/caracal.jar /opt/caracal/caracal.jar
ENV CARACAL_HOME=/var/lib/caracal
USER caracal
WORKDIR /var/lib/caracal
EXPOSE 7070 7080
ENTRYPOINT ["java", "-XX:+UseContainerSupport", "-XX:MaxRAMPercentage=75", "-jar", "/opt/caracal/caracal.jar"]
CMD ["serve", "--host", "0.0.0.0"]
