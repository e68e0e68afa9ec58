// Checks that every committed PyTorch fixture has the layout the engine contract promises (cases, shapes,
// parameter order, provenance) and that the loader reports broken files clearly. Uses no engine code and must
// not: the engine-vs-fixture comparisons live with the engine's tests.
using System.Text.Json.Nodes;

namespace Vae.Tests.Fixtures;

public class TorchFixtureLayoutTests
{
    static readonly string[] ExpectedCases =
        ["bern_A_L2", "bern_B_L1", "bern_B_L3_2layer", "gauss_A_L1_2layer_relu", "gauss_B_L2_sigmoid"];
    static readonly string[] CasesWithAdam = ["bern_B_L1", "gauss_B_L2_sigmoid"];

    public static TheoryData<string> Cases()
    {
        var d = new TheoryData<string>();
        foreach (var c in TorchFixture.CaseNames()) d.Add(c);
        return d;
    }

    /// <summary>The contract's parameter table, derived independently of the fixture's own listing.</summary>
    static List<(string name, int[] shape)> ContractTable(FixtureSpec s)
    {
        var t = new List<(string, int[])>();
        int prev = s.D;
        for (int i = 0; i < s.EncoderHidden.Length; i++)
        {
            t.Add(($"enc.{i}.W", [prev, s.EncoderHidden[i]])); t.Add(($"enc.{i}.b", [s.EncoderHidden[i]]));
            prev = s.EncoderHidden[i];
        }
        t.Add(("enc.mu.W", [prev, s.Dz])); t.Add(("enc.mu.b", [s.Dz]));
        t.Add(("enc.logvar.W", [prev, s.Dz])); t.Add(("enc.logvar.b", [s.Dz]));
        prev = s.Dz;
        for (int i = 0; i < s.DecoderHidden.Length; i++)
        {
            t.Add(($"dec.{i}.W", [prev, s.DecoderHidden[i]])); t.Add(($"dec.{i}.b", [s.DecoderHidden[i]]));
            prev = s.DecoderHidden[i];
        }
        string[] heads = s.Likelihood == "Bernoulli" ? ["logits"] : ["mean", "logvar"];
        foreach (var h in heads) { t.Add(($"dec.{h}.W", [prev, s.D])); t.Add(($"dec.{h}.b", [s.D])); }
        return t;
    }

    static void AssertSameLayout(List<(string name, int[] shape)> want,
        IReadOnlyList<(string name, int[] shape, double[] data)> got, string what)
    {
        Assert.True(want.Count == got.Count, $"{what}: {got.Count} arrays, contract has {want.Count}");
        for (int i = 0; i < want.Count; i++)
        {
            Assert.Equal(want[i].name, got[i].name);
            Assert.Equal(want[i].shape, got[i].shape);
            Assert.All(got[i].data, v => Assert.True(double.IsFinite(v), $"{what}.{got[i].name} has {v}"));
        }
    }

    [Fact]
    public void The_five_contract_cases_are_present_and_only_two_carry_an_Adam_trajectory()
    {
        Assert.Equal(ExpectedCases, TorchFixture.CaseNames());
        foreach (var c in ExpectedCases)
            Assert.Equal(CasesWithAdam.Contains(c), TorchFixture.Load(c).Adam is not null);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Provenance_names_the_script_a_seed_and_float64(string caseName)
    {
        var f = TorchFixture.Load(caseName);
        Assert.Equal(caseName, f.CaseName);
        Assert.Equal("scripts/make_fixtures.py", f.Provenance.Script);
        Assert.Equal("float64", f.Provenance.DType);
        Assert.InRange(f.Provenance.Seed, 1, int.MaxValue);
        Assert.False(string.IsNullOrWhiteSpace(f.Provenance.Torch));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Tensor_shapes_match_the_spec(string caseName)
    {
        var f = TorchFixture.Load(caseName); var s = f.Spec;
        int lm = s.L * s.M;
        Assert.Equal([s.M, s.D], f.Shape("x"));
        Assert.Equal([s.L, s.M, s.Dz], f.Shape("eps"));
        Assert.Equal([s.M, s.Dz], f.Shape("mu"));
        Assert.Equal([s.M, s.Dz], f.Shape("logvar"));
        Assert.Equal([lm, s.Dz], f.Shape("z"));
        for (int i = 0; i < s.EncoderHidden.Length; i++) Assert.Equal([s.M, s.EncoderHidden[i]], f.Shape($"enc.{i}.out"));
        for (int i = 0; i < s.DecoderHidden.Length; i++) Assert.Equal([lm, s.DecoderHidden[i]], f.Shape($"dec.{i}.out"));
        if (s.Likelihood == "Bernoulli")
        {
            Assert.Equal([lm, s.D], f.Shape("head"));
            Assert.False(f.HasTensor("head.mean"));
        }
        else
        {
            Assert.Equal("Gaussian", s.Likelihood);
            Assert.Equal([lm, s.D], f.Shape("head.mean"));
            Assert.Equal([lm, s.D], f.Shape("head.logvar"));
            Assert.False(f.HasTensor("head"));
        }
        foreach (var t in new[] { "LogPxz", "Kl", "LogPz", "LogQz", "Elbo" }) Assert.Equal([s.M], f.Shape($"terms.{t}"));
        Assert.Equal([s.L, s.M], f.Shape("logw"));
        Assert.Contains(s.Estimator, new[] { "A", "B" });
        Assert.Contains(s.Activation, new[] { "tanh", "relu", "softplus" });
    }

    [Theory, MemberData(nameof(Cases))]
    public void Params_grads_and_Adam_results_follow_the_contract_order_and_shapes(string caseName)
    {
        var f = TorchFixture.Load(caseName);
        var want = ContractTable(f.Spec);
        AssertSameLayout(want, f.Params, "params");
        AssertSameLayout(want, f.Grads, "grads");
        if (f.Adam is { } a) AssertSameLayout(want, a.ParamsAfter, "adam.params_after");
        int total = want.Sum(t => t.shape.Aggregate(1, (p, d) => p * d));
        Assert.Equal(total, TorchFixture.Flatten(f.Params).Length);
        Assert.Equal(f.Param(want[^1].name), TorchFixture.Flatten(f.Params)[^f.Param(want[^1].name).Length..]);
    }

    [Fact]
    public void Load_of_an_unknown_case_names_the_expected_path_and_lists_the_available_cases()
    {
        var e = Assert.Throws<FileNotFoundException>(() => TorchFixture.Load("no_such_case"));
        Assert.Contains("no_such_case.json", e.Message);
        Assert.Contains("bern_B_L1", e.Message);
    }

    [Fact]
    public void Unknown_tensor_name_is_reported_with_the_stored_names()
    {
        var f = TorchFixture.Load("bern_B_L1");
        var e = Assert.Throws<KeyNotFoundException>(() => f.Tensor("head.mean"));
        Assert.Contains("bern_B_L1.json", e.Message);
        Assert.Contains("terms.Elbo", e.Message);
    }

    [Fact]
    public void A_fixture_whose_data_length_disagrees_with_its_shape_is_rejected_with_the_counts()
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(TorchFixture.FixtureDirectory, "bern_B_L1.json")))!;
        node["tensors"]!["x"]!["data"]!.AsArray().RemoveAt(0);
        var e = Assert.Throws<InvalidDataException>(() => TorchFixture.Parse(node.ToJsonString(), "tampered.json"));
        Assert.Contains("tampered.json", e.Message);
        Assert.Contains("tensors.x has 64 values but shape [5, 13] needs 65", e.Message);
    }

    [Fact]
    public void A_fixture_missing_a_spec_field_is_rejected_naming_the_field()
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(TorchFixture.FixtureDirectory, "gauss_B_L2_sigmoid.json")))!;
        node["spec"]!.AsObject().Remove("Dz");
        var e = Assert.Throws<InvalidDataException>(() => TorchFixture.Parse(node.ToJsonString(), "tampered.json"));
        Assert.Equal("tampered.json: missing field 'Dz'", e.Message);
    }
}
