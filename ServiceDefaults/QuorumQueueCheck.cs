using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Runs before the bus starts when quorum queues are on: every consumer queue (and its <c>_error</c> and <c>_skipped</c>
/// queues) that the broker already holds must be the quorum queue MassTransit is about to declare. RabbitMQ refuses to
/// declare a queue again with another type (PRECONDITION_FAILED), and MassTransit would retry that endpoint for ever, so
/// a classic queue left from before stops the service at start with the queues named and what to do.
/// </summary>
/// <remarks>A broker out of reach is not this check's to wait for: it logs that it could not look, and the bus waits.</remarks>
public sealed partial class QuorumQueueCheck(
    IServiceProvider services, QuorumQueueNames names, MessagingOptions options, Uri broker, ILogger<QuorumQueueCheck> logger)
    : IHostedService
{
    private const ushort NotFound = 404;
    private const ushort PreconditionFailed = 406;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the bus configures its endpoints (the callback in AddMessaging records their queues) without starting it.
        _ = services.GetRequiredService<IBusControl>();
        var factory = new ConnectionFactory
        {
            Uri = broker,
            ClientProvidedName = "connectorhealth-quorum-queue-check",
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(options.Endpoints(broker), cancellationToken);
        }
        catch (BrokerUnreachableException ex)
        {
            LogUnreachable(logger, ex);
            return;
        }
        await using (connection)
        {
            var refused = new List<string>();
            foreach (var queue in names.All)
            {
                await CheckAsync(connection, queue, QuorumQueues.ConsumerQueueArguments(queue), refused, cancellationToken);
                await CheckAsync(connection, QuorumQueues.ErrorQueue(queue), QuorumQueues.DeadLetterQueueArguments(), refused, cancellationToken);
                await CheckAsync(connection, queue + "_skipped", QuorumQueues.DeadLetterQueueArguments(), refused, cancellationToken);
            }
            if (refused.Count > 0)
            {
                throw new InvalidOperationException(
                    $"{MessagingOptions.Section}:{nameof(MessagingOptions.QuorumQueues)} is on, but the broker holds these queues with "
                    + "another type or other arguments, and a queue's type cannot change in place: " + string.Join("; ", refused)
                    + ". Stop every consumer of them, let them drain (or move their messages), delete them and start again "
                    + "(docs/infrastructure.md, 'From classic to quorum queues'); or turn quorum queues off.");
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A passive declare says whether the queue exists; declaring it with the arguments MassTransit will use then changes
    /// nothing when they are the same and is refused (406) when they are not. Each refusal closes the channel: one each.
    /// </summary>
    private static async Task CheckAsync(
        IConnection connection, string queue, Dictionary<string, object?> arguments, List<string> refused, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            await channel.QueueDeclareAsync(
                queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
        {
            // Not there yet: MassTransit declares it as a quorum queue.
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == PreconditionFailed)
        {
            refused.Add($"'{queue}' ({ex.ShutdownReason.ReplyText})");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not reach the broker to check that the consumer queues are quorum queues; the bus will wait for it")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}
