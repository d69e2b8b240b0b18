using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Alerting.Ingest;

/// <summary>Runs in batches (<see cref="MessageBatches"/>).</summary>
public sealed class RunCompletedConsumerDefinition : ConsumerDefinition<RunCompletedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<RunCompletedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        MessageBatches.Configure(consumerConfigurator);
}
