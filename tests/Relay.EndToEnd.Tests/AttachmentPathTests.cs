using System.Globalization;
using System.Text.RegularExpressions;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>The README's attachment command, as printed, from the repository's root.</summary>
public sealed partial class AttachmentPathTests
{
    [Fact]
    public async Task Ask_with_a_text_attachment_sends_the_file_with_the_prompt()
    {
        // README: dotnet run --project src/Relay.Cli -- ask "Summarize this" -a README.md
        using var _ = Scenario.Timed("README: ask -a README.md");
        await using var relay = RelayProcess.Start(["ask", "Summarize this", "-a", "README.md"], workingDirectory: RelayProcess.RepositoryRoot);
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.NotEmpty(relay.Stdout.Trim());

        // The prompt's tokens (estimated by the simulator at a token per 4 characters) show the file went with it.
        var readme = await File.ReadAllTextAsync(Path.Combine(RelayProcess.RepositoryRoot, "README.md"), TestContext.Current.CancellationToken);
        var tokensIn = int.Parse(TokensIn().Match(relay.Stderr).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(tokensIn >= readme.Length / 4, $"{tokensIn} prompt tokens for a README of {readme.Length} characters:\n{relay.Stderr}");
    }

    [GeneratedRegex(@" · (\d+) in / \d+ out tokens")]
    private static partial Regex TokensIn();
}
