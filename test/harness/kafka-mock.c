/*
 * kafka-mock: a Kafka-protocol test cluster on librdkafka's mock brokers.
 *
 *   kafka-mock [-n BROKERS] [TOPIC:PARTITIONS[:RF] ...]
 *
 * Prints "BOOTSTRAP=host:port,..." once the brokers listen, then reads commands on stdin:
 *   create TOPIC PARTITIONS [RF]   -> "CREATED TOPIC" or "ERROR TOPIC <reason>"
 * The mock has no CreateTopics API and auto-creates topics with 4 partitions, so tests create
 * their topics here. Exits when stdin closes, so a killed test runner leaves no orphan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *topic, int parts, int rf,
                        int brokers) {
  if (parts < 1 || rf < 1 || rf > brokers) {
    printf("ERROR %s invalid partitions %d or replication factor %d\n", topic, parts, rf);
    return -1;
  }
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, topic, parts, rf);
  if (err) {
    printf("ERROR %s %s\n", topic, rd_kafka_err2str(err));
    return -1;
  }
  printf("CREATED %s\n", topic);
  return 0;
}

/* Parses "name:partitions[:rf]" in place. */
static int create_from_spec(rd_kafka_mock_cluster_t *mc, char *spec, int brokers) {
  char *p1 = strchr(spec, ':');
  if (!p1) {
    printf("ERROR %s expected TOPIC:PARTITIONS[:RF]\n", spec);
    return -1;
  }
  *p1++ = '\0';
  int rf = brokers < 3 ? brokers : 3;
  char *p2 = strchr(p1, ':');
  if (p2) {
    *p2++ = '\0';
    rf = atoi(p2);
  }
  return create_topic(mc, spec, atoi(p1), rf, brokers);
}

int main(int argc, char **argv) {
  int brokers = 3;
  int argi = 1;
  char errstr[512];

  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);

  if (argi + 1 < argc && strcmp(argv[argi], "-n") == 0) {
    brokers = atoi(argv[argi + 1]);
    argi += 2;
  }
  if (brokers < 1) {
    fprintf(stderr, "kafka-mock: -n needs a positive broker count\n");
    return 2;
  }

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the mock cluster; keep its own logging quiet. */
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "kafka-mock: rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "kafka-mock: could not create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  int failed = 0;
  for (; argi < argc; argi++) {
    if (create_from_spec(mc, argv[argi], brokers) != 0) failed = 1;
  }
  if (failed) {
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 2;
  }

  printf("BOOTSTRAP=%s\n", rd_kafka_mock_cluster_bootstraps(mc));

  char line[1024];
  while (fgets(line, sizeof(line), stdin)) {
    char cmd[32], topic[512];
    int parts = 0, rf = brokers < 3 ? brokers : 3;
    int n = sscanf(line, "%31s %511s %d %d", cmd, topic, &parts, &rf);
    if (n <= 0) continue;
    if (strcmp(cmd, "create") == 0 && n >= 3) {
      create_topic(mc, topic, parts, rf, brokers);
    } else {
      printf("ERROR - unknown command; expected: create TOPIC PARTITIONS [RF]\n");
    }
  }

  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
