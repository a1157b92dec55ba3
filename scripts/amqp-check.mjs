// Exits 0 when RabbitMQ completes an AMQP handshake and declares and deletes a quorum queue within
// 20 s; `rabbitmq-diagnostics ping` can succeed while AMQP clients time out. Used by .ci/run.
import amqp from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const timer = setTimeout(() => {
  console.error('RabbitMQ: no AMQP answer within 20 s');
  process.exit(1);
}, 20_000);
try {
  const connection = await amqp.connect(url, { timeout: 15_000 });
  const channel = await connection.createChannel();
  const probe = `ci.health.${process.pid}`;
  await channel.assertQueue(probe, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.deleteQueue(probe);
  await connection.close();
  clearTimeout(timer);
  console.log('RabbitMQ answers AMQP');
} catch (err) {
  console.error(`RabbitMQ: ${err.message}`);
  process.exit(1);
}
