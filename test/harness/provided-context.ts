/** Values the global setup provides to test files (read them with `inject` from 'vitest'). */
declare module 'vitest' {
  interface ProvidedContext {
    /** Kafka mock bootstrap list, `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`. */
    kafkaBrokers: string;
    /** Base URL of the kafka-mock control server (POST /topics creates a topic). */
    kafkaControlUrl: string;
    redisUrl: string;
    natsUrl: string;
  }
}

export {};
