using Relay.Cli.Config;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Cli.Tests;

/// <summary>The settings file: defaults under flags and environment, aliases, templates, the stored key, and bad files.</summary>
public sealed class ConfigTests(CliFixture cli) : IClassFixture<CliFixture>, IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("relay-config-");

    private ConfigLocation Config => new(Path.Combine(_home.FullName, "relay", "config.toml"), Explicit: false);

    private string Edge => cli.Servers.Edge.Url.ToString();

    public void Dispose() => _home.Delete(recursive: true);

    [Fact]
    public async Task The_files_model_and_system_are_defaults_that_flags_override()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=4";
        Write($"""
            model = "anthropic/claude-sonnet-4"
            system = "Be brief."
            edge = "{Edge}"
            """);
        var run = await Run("ask", "hi");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Answer("anthropic/claude-sonnet-4", "hi", "Be brief.") + "\n", run.Out);

        var flags = await Run("ask", "hi", "-m", SimulatedModel.DefaultId, "-s", "Be long.");
        Assert.Equal(Answer(SimulatedModel.DefaultId, "hi", "Be long.") + "\n", flags.Out);
    }

    [Fact]
    public async Task An_alias_set_with_relay_alias_is_a_model_name_for_ask_and_chat()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=4";
        Assert.Equal(0, (await Run("alias", "set", "claude", "anthropic/claude-sonnet-4")).ExitCode);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Config.Path));
        }

        Assert.Equal("claude = anthropic/claude-sonnet-4\n", (await Run("alias", "list")).Out);
        var ask = await Run("ask", "hi", "-m", "claude", "--edge", Edge);
        Assert.Equal(Answer("anthropic/claude-sonnet-4", "hi") + "\n", ask.Out);

        var chat = await Run(["chat", "-q", "--edge", Edge], "/model claude\nhi\n");
        Assert.Contains("model: anthropic/claude-sonnet-4", chat.Error, StringComparison.Ordinal);
        Assert.Equal(Answer("anthropic/claude-sonnet-4", "hi") + "\n", chat.Out);

        Assert.Equal(0, (await Run("alias", "remove", "claude")).ExitCode);
        Assert.Equal(1, (await Run("alias", "remove", "claude")).ExitCode);
        Assert.Equal("", (await Run("alias", "list")).Out);
        Assert.Equal(2, (await Run("alias", "set", "a/b", "x")).ExitCode);
    }

    [Fact]
    public async Task A_template_saved_with_relay_template_gives_its_system_prompt_and_model_with_t()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=4";
        Assert.Equal(0, (await Run("template", "save", "review", "--system", "You review code.", "-m", "anthropic/claude-sonnet-4")).ExitCode);
        Assert.Equal("model: anthropic/claude-sonnet-4\nYou review code.\n", (await Run("template", "show", "review")).Out);
        Assert.StartsWith("review  model anthropic/claude-sonnet-4 · system: You review code.", (await Run("template", "list")).Out, StringComparison.Ordinal);

        var ask = await Run("ask", "look", "-t", "review", "--edge", Edge);
        Assert.Equal(Answer("anthropic/claude-sonnet-4", "look", "You review code.") + "\n", ask.Out);

        // A flag still wins over the template.
        var flag = await Run("ask", "look", "-t", "review", "-m", SimulatedModel.DefaultId, "--edge", Edge);
        Assert.Equal(Answer(SimulatedModel.DefaultId, "look", "You review code.") + "\n", flag.Out);

        var missing = await Run("ask", "look", "-t", "nope", "--edge", Edge);
        Assert.Equal((2, "error: there is no template nope (relay template list)\n"), (missing.ExitCode, missing.Error));
        Assert.Equal(0, (await Run("template", "remove", "review")).ExitCode);
        Assert.Equal(1, (await Run("template", "show", "review")).ExitCode);
    }

    [Theory]
    [InlineData("model = ", "is not valid TOML")]
    [InlineData("modle = \"x\"", "unknown setting 'modle'")]
    [InlineData("model = 3", "'model' must be a string")]
    [InlineData("[templates.t]\nprompt = \"x\"", "unknown setting 'templates.t.prompt'")]
    public async Task A_bad_settings_file_stops_relay_with_one_line_naming_it(string toml, string message)
    {
        Write(toml);
        var run = await Run("ask", "hi", "--edge", Edge);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: {Config.Path}", run.Error, StringComparison.Ordinal);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void A_token_in_a_file_others_can_read_is_not_used()
    {
        Write("token = \"tok-secret\"");
        Assert.Equal("tok-secret", RelayConfig.Load(Config, TextWriter.Null).Token);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(Config.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var warnings = new StringWriter();
        Assert.Null(RelayConfig.Load(Config, warnings).Token);
        Assert.Contains("can be read by others, so its token is not used", warnings.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("tok-secret", warnings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_key_set_stores_the_key_owner_only_and_never_prints_it()
    {
        CleanEnvironment.Apply();
        var set = await Run(["key", "set"], "sk-or-v1-secret\n");
        Assert.Equal(0, set.ExitCode);
        Assert.DoesNotContain("sk-or-v1-secret", set.Out + set.Error, StringComparison.Ordinal);
        Assert.Equal("sk-or-v1-secret\n", File.ReadAllText(Config.KeyPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Config.KeyPath));
        }

        // The in-process edge gets it (only when the environment names no key and no other API), described, not shown.
        var key = StoredKey.Read(Config, TextWriter.Null);
        Assert.Equal("sk-or-v1-secret", EdgeConnection.EdgeSettings(key)!["OPENROUTER_API_KEY"]);
        Assert.Equal("OpenRouter (the key stored by relay key set)", EdgeConnection.DescribeUpstream(key));
        Assert.DoesNotContain("secret", key!.ToString(), StringComparison.Ordinal);

        Assert.Equal(2, (await Run(["key", "set"], "\n")).ExitCode);
        Assert.Equal(0, (await Run("key", "remove")).ExitCode);
        Assert.Null(StoredKey.Read(Config, TextWriter.Null));
    }

    private static string Answer(string model, string prompt, string? system = null) =>
        SimulatedAnswer.For(model, system is null ? [ChatMessage.User(prompt)] : [ChatMessage.System(system), ChatMessage.User(prompt)], tokens: 4).Text;

    private void Write(string toml)
    {
        Directory.CreateDirectory(Config.Folder);
        File.WriteAllText(Config.Path, toml);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Config.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private Task<CliRun> Run(params string[] args) => Run(args, "");

    private Task<CliRun> Run(string[] args, string input) => CliRun.RunAsync(args, input, config: Config);
}
