using System.Text.RegularExpressions;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// docs/deployment.md's commands, run as printed (a test never talks to OpenRouter). The packaging paths (publish, pack,
/// tool install) are tests/Relay.Packaging.Tests, out of the quick suite.
/// </summary>
public sealed class DocumentedCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_Cloudflare_Worker_runs_locally_in_front_of_relay_serve_as_printed()
    {
        if (WorkerFront.Missing is { } reason)
        {
            Assert.True(!ExternalServers.Required, $"{reason}, and {ExternalServers.RequireVariable}=1 requires it");
            Assert.Skip(reason);
        }

        using var _ = Scenario.Timed("docs: relay serve, wrangler dev in front, relay ask through the Worker");

        // docs/deployment.md, "Cloudflare Workers in front", as printed (WorkerFront.Missing ran its npm ci). Offline and
        // loopback only: no Request.cf download, and wrangler's update check asks a dead local port.
        await using var serve = RelayProcess.Start(["serve"]);
        await ExternalServers.WaitForPortAsync(8787, Scenario.Exit, Ct);
        await ExternalServers.WaitReadyAsync(new Uri("http://127.0.0.1:8787/"), Scenario.Exit, Ct);
        var offline = new Dictionary<string, string?> { ["CLOUDFLARE_CF_FETCH_ENABLED"] = "false", ["WRANGLER_SEND_METRICS"] = "false", ["npm_config_registry"] = "http://127.0.0.1:9/" };
        await using var wrangler = RelayProcess.Start(
            ["wrangler", "dev", "--port", "8790", "--var", "RELAY_ORIGINS:http://127.0.0.1:8787"], offline, workingDirectory: WorkerFront.Folder, executable: ExternalServers.Find("npx"));
        await ExternalServers.WaitForPortAsync(8790, TimeSpan.FromSeconds(60), Ct);
        await ExternalServers.WaitReadyAsync(new Uri("http://127.0.0.1:8790/"), TimeSpan.FromSeconds(60), Ct);
        await using var relay = RelayProcess.Start(["ask", "--edge", "http://127.0.0.1:8790", "Write a haiku"]);
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a haiku")]).Text + "\n", relay.Stdout);
    }

    [Fact]
    public async Task The_READMEs_curl_commands_stream_resume_and_cancel_against_relay_serve_as_printed()
    {
        using var _ = Scenario.Timed("README: relay serve, the curl commands");
        await using var serve = RelayProcess.Start(["serve"]);
        await ExternalServers.WaitForPortAsync(8787, Scenario.Exit, Ct);
        await ExternalServers.WaitReadyAsync(new Uri("http://127.0.0.1:8787/"), Scenario.Exit, Ct);

        // Twice: a rerun picks a new stream id, so it is never refused as a reused one (409).
        for (var run = 0; run < 2; run++)
        {
            var (code, output, stderr) = await DocBlock.RunAsync(DocBlock.Bash("README.md", "curl -X DELETE"), Scenario.Exit);
            Assert.True(code == 0, $"the curl commands exited {code}:\n{output}\n{stderr}");
            var id = Regex.Match(output, @"^id: (my-stream-[0-9]+):1$", RegexOptions.Multiline).Groups[1].Value;
            Assert.True(id.Length > 0, output);
            Assert.DoesNotContain("STREAM_CONFLICT", output, StringComparison.Ordinal);
            Assert.Equal(1, Scenario.Count(output, "event: start\n"));
            Assert.Equal(1, Scenario.Count(output, $"id: {id}:2\n")); // the resume starts after seq 2...
            Assert.Equal(2, Scenario.Count(output, $"id: {id}:3\n")); // ...with seq 3
            Assert.Equal(2, Scenario.Count(output, "event: done\n"));
        }
    }

    [Fact]
    public async Task The_READMEs_alias_and_template_commands_work_as_printed()
    {
        // The README's settings block, with `dotnet run --project src/Relay.Cli --` as the built relay, and a settings
        // folder of this test's own. `relay key set` waits for a key that nobody types here: ConfigTests covers it.
        var config = Directory.CreateTempSubdirectory("relay-xdg-").FullName;
        try
        {
            var block = DocBlock.Bash("README.md", "alias set fast").Replace("dotnet run --project src/Relay.Cli --", RelayProcess.BuiltExecutable, StringComparison.Ordinal);
            var lines = block.Split('\n').Where(l => !l.Contains(" key set", StringComparison.Ordinal));
            var (code, stdout, stderr) = await DocBlock.RunAsync(string.Join('\n', lines), Scenario.Exit, new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = config });
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            var toml = await File.ReadAllTextAsync(Path.Combine(config, "relay", "config.toml"), Ct);
            Assert.Contains("fast = \"openai/gpt-4o-mini\"", toml, StringComparison.Ordinal);
            Assert.Contains("[templates.review]", toml, StringComparison.Ordinal);
            Assert.Contains("system = \"You review code for bugs.\"", toml, StringComparison.Ordinal);
            Assert.NotEmpty(stdout.Trim()); // the answer to the review
            Assert.Contains("template review saved", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    [Fact]
    public async Task The_local_cluster_script_answers_and_resumes_a_cut_stream_on_another_instance()
    {
        if (ExternalServers.Missing("redis-server", "nginx") is { } reason)
        {
            Assert.True(!ExternalServers.Required, $"{reason}, and {ExternalServers.RequireVariable}=1 requires it");
            Assert.Skip(reason);
        }

        using var _ = Scenario.Timed("docs: deploy/run-local-cluster.sh, ask through nginx, resume across instances");

        // docs/deployment.md, "Try it locally", as printed.
        await using var cluster = RelayProcess.Start([], workingDirectory: RelayProcess.RepositoryRoot, executable: Path.Combine(RelayProcess.RepositoryRoot, "deploy", "run-local-cluster.sh"));
        // The script builds the edge first: no time limit on that, only on what the cluster then does.
        await cluster.WaitForStdoutAsync(s => s.Contains("cluster ready", StringComparison.Ordinal), Timeout.InfiniteTimeSpan);
        const string Prompt = "Write a 200 word story";
        await using (var relay = RelayProcess.Start(["ask", "--edge", "http://127.0.0.1:8100", Prompt]))
        {
            Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User(Prompt)]).Text + "\n", relay.Stdout);
        }

        // The two curl commands as printed: a POST cut after its third event (sed quits, curl's next write fails), then a
        // resume after seq 3 that may land on any instance.
        var (curlCode, output, stderr) = await DocBlock.RunAsync(DocBlock.Bash("docs/deployment.md", "Last-Event-ID: $id:3"), Scenario.Exit);
        Assert.True(curlCode == 0, $"the curl commands exited {curlCode}:\n{output}\n{stderr}");
        var id = Regex.Match(output, @"^id: (demo-stream-[0-9]+):1$", RegexOptions.Multiline).Groups[1].Value;
        var second = output.LastIndexOf("HTTP/1.1 ", StringComparison.Ordinal);
        Assert.True(id.Length > 0 && second > 0, output);
        var (cut, resumed) = (output[..second], output[second..]);
        Assert.EndsWith($"id: {id}:3\n", cut, StringComparison.Ordinal);
        var headers = resumed[..resumed.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var events = resumed[(headers.Length + 4)..];
        Assert.StartsWith("HTTP/1.1 200", headers, StringComparison.Ordinal);
        Assert.Matches(@"(?im)^X-Relay-Instance: edge-[123]\r$", headers + "\r");
        Assert.StartsWith("event: delta\ndata: ", events.Replace("retry: 250\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"id: {id}:4\n", events, StringComparison.Ordinal);
        Assert.DoesNotContain($"id: {id}:3\n", events, StringComparison.Ordinal);
        Assert.Contains("event: done", events, StringComparison.Ordinal);

        // The chat page comes through nginx too, with its policy.
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8100/") };
        using var page = await http.GetAsync("/", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        await cluster.SignalAsync("INT");
        var code = await cluster.WaitForExitAsync(Scenario.Exit);
        Assert.True(code is 0 or 130, $"the script exited {code}:\n{cluster.Stdout}\n{cluster.Stderr}");
        Assert.Contains("cluster stopped", cluster.Stdout, StringComparison.Ordinal);
    }
}
