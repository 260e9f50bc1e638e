#!/bin/sh
# Run by the `topics` service of docker-compose.sasl.yml, in the broker's network namespace
# (BOOTSTRAP: its loopback listener, whose principal is the super user). Creates the pipeline's
# topics, the partners' topics, a SCRAM-SHA-512 user for the workers (vigilmar) and one per
# partner, and the ACLs: the workers everything on their own topics and group; each partner READ
# (and DESCRIBE) on its own vigilmar.share.<partner> topic and its own consumer group, nothing
# else. Passwords come from $SECRETS/<user>.password (deploy/sasl/make-secrets.sh).
set -eu
BIN=${KAFKA_BIN:-/opt/kafka/bin}
PREFIX=${SHARE_PREFIX:-vigilmar.share}

for topic in $TOPICS; do
  config=""
  case "$topic" in
    vigilmar.vessels|vigilmar.voyages|vigilmar.lists) config="--config cleanup.policy=compact" ;;
  esac
  $BIN/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$topic" --partitions "$PARTITIONS" --replication-factor 1 $config
done
for partner in $PARTNERS audit; do
  $BIN/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$PREFIX.$partner" --partitions "$PARTITIONS" --replication-factor 1
done

scram_user() {
  $BIN/kafka-configs.sh --bootstrap-server "$BOOTSTRAP" --alter --entity-type users \
    --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$(cat "$SECRETS/$1.password")]"
}

# The workers (and the feeder): their topics (vigilmar.*, vigilmar-*-changelog, ais.*) and
# consumer group (VIGILMAR_APP_ID=vigilmar).
scram_user vigilmar
for prefix in vigilmar ais.; do
  $BIN/kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --add --allow-principal User:vigilmar \
    --operation All --resource-pattern-type prefixed --topic "$prefix"
done
$BIN/kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --add --allow-principal User:vigilmar \
  --operation All --resource-pattern-type prefixed --group vigilmar

# One principal per partner: READ on its own topic (a literal name, not a prefix) and group.
for partner in $PARTNERS; do
  scram_user "$partner"
  $BIN/kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --add --allow-principal "User:$partner" \
    --operation Read --operation Describe --resource-pattern-type literal \
    --topic "$PREFIX.$partner"
  $BIN/kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --add --allow-principal "User:$partner" \
    --operation Read --resource-pattern-type literal --group "$partner"
done
$BIN/kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --list
