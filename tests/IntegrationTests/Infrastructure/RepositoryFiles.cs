namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>Files of the repository the tests run from (committed documents, the services' own settings).</summary>
public static class RepositoryFiles
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConnectorHealth.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No ConnectorHealth.sln above {AppContext.BaseDirectory}.");
    }

    public static string PathOf(params string[] parts) => Path.Combine([Root(), .. parts]);
}
