using MassTransit;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>A consumer of batches, taking them as every consumer does (<see cref="MessageBatches"/>).</summary>
public sealed class BatchConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        MessageBatches.Configure(consumerConfigurator);
}
