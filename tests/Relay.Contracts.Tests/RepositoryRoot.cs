namespace Relay.Contracts.Tests;

internal static class RepositoryRoot
{
    /// <summary>The folder holding Relay.slnx, found upwards from the test binaries.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Relay.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Relay.slnx not found above " + AppContext.BaseDirectory);
    }
}
