using System.Collections.Concurrent;
using ConnectorHealth.Contracts;
using MassTransit;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>The RunCompleted messages a runner replica publishes (connect it to each replica's bus), by run id.</summary>
internal sealed class PublishedRuns : IPublishObserver
{
    private readonly ConcurrentQueue<RunCompleted> _runs = new();

    public int Count(Guid runId) => _runs.Count(r => r.RunId == runId);

    /// <summary>Every publish of the connector's runs, in the order they were published (a run published twice is there twice).</summary>
    public IReadOnlyList<RunCompleted> Of(string connector) => [.. _runs.Where(r => r.Connector == connector)];

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        if (context.Message is RunCompleted run)
        {
            _runs.Enqueue(run);
        }
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
