using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Alerting.Ingest;

/// <summary>Drift events in batches as runs are (<see cref="MessageBatches"/>).</summary>
public sealed class SchemaDriftDetectedConsumerDefinition : ConsumerDefinition<SchemaDriftDetectedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SchemaDriftDetectedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        MessageBatches.Configure(consumerConfigurator);
}
