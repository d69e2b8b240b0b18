namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>What the machine offers, as far as choosing a mode is concerned.</summary>
public interface IHostProbe
{
    bool ContainerRuntimeAnswers();
    PostgresBinaries? FindPostgres();
    RabbitMQBinaries? FindRabbitMQ();
}
