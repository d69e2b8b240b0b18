using MassTransit;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>
/// Records the queue name of every receive endpoint MassTransit configures, so that the pipeline state knows each
/// consumer queue and its <c>_error</c> queue without the service's bus configuration having to say so.
/// </summary>
public sealed class ReceiveEndpointRecorder(ReceiveEndpoints endpoints) : IConfigureReceiveEndpoint
{
    public void Configure(string name, IReceiveEndpointConfigurator configurator) => endpoints.Register(name);
}
