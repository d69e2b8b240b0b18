using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// The AppHost started for one test class alone, on its own free ports and data directory: for tests that kill parts of
/// the system, which the tests sharing <see cref="ConnectorHealthApp"/> must never see.
/// </summary>
public sealed class OwnSystem : IAsyncLifetime
{
    public string DataDirectory { get; } = ConnectorHealthApp.NewDataDirectory();

    public DistributedApplication App { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await ConnectorHealthApp.StartAsync(DataDirectory, LocalPorts.Free());
        Gateway = ConnectorHealthApp.GatewayClient(App);
    }

    public Task<string?> DatabaseConnectionStringAsync() =>
        App.GetConnectionStringAsync(ResourceNames.Postgres).AsTask();

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        ConnectorHealthApp.DeleteDataDirectory(DataDirectory);
    }
}

/// <summary>
/// The tests that start systems of their own. They run one class after the other, beside the tests of the shared system
/// (<see cref="SystemCollection"/>): never more than two systems on the machine at once.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OwnSystemsCollection
{
    public const string Name = "systems of their own";
}
