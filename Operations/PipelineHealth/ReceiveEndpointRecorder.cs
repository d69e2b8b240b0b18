using MassTransit;
using MassTransit.RabbitMqTransport.Configuration;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>
/// Records the queue name of every receive endpoint MassTransit configures, so that the pipeline state knows each
/// consumer queue and its <c>_error</c> queue without the service's bus configuration having to say so.
/// </summary>
/// <remarks>
/// A temporary endpoint (auto-deleted: a replica's own queue of events for live views, gone with the replica) is not
/// part of the pipeline: it has no backlog, lag or error queue worth watching, and another replica cannot read it.
/// MassTransit applies the endpoint's definition before this runs, so its settings say whether it is temporary.
/// </remarks>
public sealed class ReceiveEndpointRecorder(ReceiveEndpoints endpoints) : IConfigureReceiveEndpoint
{
    public void Configure(string name, IReceiveEndpointConfigurator configurator)
    {
        if (configurator is IRabbitMqReceiveEndpointConfiguration { Settings.AutoDelete: true })
        {
            return;
        }
        endpoints.Register(name);
    }
}
