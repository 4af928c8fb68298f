using System.Text.RegularExpressions;

namespace Relay.Testing;

/// <summary>A fenced <c>bash</c> block of the README or docs/, taken from the file itself so that what a test runs is what is printed.</summary>
public static partial class DocBlock
{
    /// <summary>The one bash block of <paramref name="file"/> (relative to the repository) that contains <paramref name="marker"/>.</summary>
    public static string Bash(string file, string marker)
    {
        var text = File.ReadAllText(Path.Combine(ExternalServers.RepositoryRoot, file));
        var blocks = Fence().Matches(text).Select(m => m.Groups[1].Value).Where(b => b.Contains(marker, StringComparison.Ordinal)).ToList();
        return blocks.Count == 1 ? blocks[0] : throw new InvalidOperationException($"{file} should have one bash block with '{marker}', has {blocks.Count}");
    }

    /// <summary>Runs <paramref name="script"/> with bash in the repository's root; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string script, TimeSpan timeout, IDictionary<string, string?>? environment = null)
    {
        await using var bash = RelayProcess.Start(["-c", script], environment, workingDirectory: ExternalServers.RepositoryRoot, executable: ExternalServers.Find("bash"));
        var code = await bash.WaitForExitAsync(timeout);
        return (code, bash.Stdout, bash.Stderr);
    }

    [GeneratedRegex(@"^```bash\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
