using System.Globalization;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>docs/deployment.md, "Local models": relay in front of an OpenAI-compatible server that is not OpenRouter.</summary>
public sealed class LocalModelTests
{
    private const string Base = "http://127.0.0.1:11434/v1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Relay_asks_a_local_OpenAI_compatible_server_in_process_and_through_serve_as_printed()
    {
        using var _ = Scenario.Timed("docs: local models, in process and through relay serve");

        // Where the docs point: Ollama's port. `relay` on PATH is the built one.
        await using var server = await PlainOpenAiServer.StartAsync(11434, Ct);
        var bin = Directory.CreateTempSubdirectory("relay-bin-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(bin, "relay"), RelayProcess.BuiltExecutable);
            var path = new Dictionary<string, string?> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
            var (code, stdout, stderr) = await DocBlock.RunAsync(DocBlock.Bash("docs/deployment.md", "relay ask -m llama3.2"), Scenario.Exit, path);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Equal(string.Concat(PlainOpenAiServer.Answer("Write a haiku")) + "\n", stdout);
            Assert.Contains("llama3.2 · 11 in / 6 out tokens", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("$", stderr, StringComparison.Ordinal); // no cost from such a server, and none made up
            Assert.DoesNotContain("simulator", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }

        // The edge with the same variables and the local model as its default: a request that names no model gets it.
        var port = ExternalServers.FreePort();
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        await using var serve = RelayProcess.Start(["serve", "--urls", url], new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = Base, ["RELAY_DEFAULT_MODEL"] = PlainOpenAiServer.Model });
        await ExternalServers.WaitForPortAsync(port, Scenario.Exit, Ct);
        await ExternalServers.WaitReadyAsync(new Uri(url + "/"), Scenario.Exit, Ct);
        await using var ask = RelayProcess.Start(["ask", "--edge", url, "hi"]);
        Assert.Equal(0, await ask.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(string.Concat(PlainOpenAiServer.Answer("hi")) + "\n", ask.Stdout);
        Assert.Contains("llama3.2 · 11 in / 6 out tokens", ask.Stderr, StringComparison.Ordinal);
        Assert.All(server.Requests, usage => Assert.True(usage, "the edge asks for usage (stream_options.include_usage)"));
    }
}
