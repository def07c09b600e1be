/**
 * Removing a binding exactly: through the management API by its properties_key, then checking it is
 * gone. Unbinding over AMQP needs the arguments with their AMQP types, and the management API's
 * listing gives them as JSON (an int64 5 and an int8 5 both read 5): the broker would not find the
 * binding and would say nothing.
 */
import { BrokerError } from './errors';
import type { BindingInfo, ManagementClient } from './management';

type BindingKey = Pick<BindingInfo, 'vhost' | 'source' | 'destination' | 'destination_type' | 'properties_key'>;

const same = (a: BindingKey, b: BindingKey) =>
  a.source === b.source &&
  a.destination === b.destination &&
  a.destination_type === b.destination_type &&
  a.properties_key === b.properties_key;

/** Deletes the binding and reads the source's bindings back; throws a BrokerError if it is still there. */
export async function removeBinding(mc: ManagementClient, b: BindingKey): Promise<void> {
  await mc.deleteBinding(b);
  const left = await mc.exchangeBindingsAsSource(b.vhost, b.source);
  if (left.some((x) => same(x, b)))
    throw new BrokerError(
      `the binding ${b.source} → ${b.destination_type} '${b.destination}' (${b.properties_key}) is still there after the broker accepted its removal`,
      'management',
    );
}
