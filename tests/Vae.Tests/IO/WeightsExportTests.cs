// Interoperable weights: safetensors files round-trip bit for bit, the PyTorch layout ([out, in] weights) maps back onto the
// engine's, our ELBO under the committed exported model equals PyTorch's (fixtures/weights/, made by
// scripts/make_weights_fixture.sh: `vae train` + `vae export` + `vae sample --npy`, then scripts/vae_torch.py, float64),
// `--init-from` starts training from a file, .npy headers are what NumPy expects, and bad files are clear errors.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Vae.Core.Inference;
using Vae.Core.IO;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;
using Vae.Core.Training;
using Vae.Tests.Fixtures;

namespace Vae.Tests.IO;

public class WeightsExportTests
{
    static string Fixture(string name) => Path.Combine(TorchFixture.FixtureDirectory, "weights", name);

    [Fact]
    public void Our_elbo_under_the_exported_fixture_model_equals_pytorchs()
    {
        var (spec, theta) = ModelWeights.Load(Fixture("model.safetensors"));
        var (x, m, d) = Npy.Read(Fixture("x.npy"));
        var (eps, me, dz) = Npy.Read(Fixture("eps.npy"));
        Assert.Equal((spec.D, spec.Dz, m), (d, dz, me));
        var torch = JsonDocument.Parse(File.ReadAllText(Fixture("elbo.json"))).RootElement;
        var sgvb = new Sgvb(spec, new ManagedBlas(), m, 1);
        sgvb.Forward(theta, x, m, eps, 1, Estimator.B, prepareBackward: false);
        foreach (var (name, ours) in new[] { ("Elbo", sgvb.Elbo.ToArray()), ("LogPxz", sgvb.LogPxz.ToArray()), ("Kl", sgvb.Kl.ToArray()) })
        {
            var want = torch.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(m, want.Length);
            for (int i = 0; i < m; i++)
                Assert.True(Math.Abs(ours[i] - want[i]) <= 2e-5 * Math.Abs(want[i]) + 1e-5, $"{name}[{i}]: ours {ours[i]} vs PyTorch {want[i]}");
        }
    }

    [Fact]
    public void A_safetensors_file_reads_and_writes_back_to_the_same_bytes()
    {
        using var dir = new TempDir();
        var (tensors, meta) = SafeTensors.Read(Fixture("model.safetensors"));
        Assert.Equal(ModelWeights.Format, meta["format"]);
        Assert.Equal(["encoder.0.weight", "encoder.0.bias", "encoder.mu.weight", "encoder.mu.bias", "encoder.logvar.weight",
                      "encoder.logvar.bias", "decoder.0.weight", "decoder.0.bias", "decoder.logits.weight", "decoder.logits.bias"],
                     tensors.Select(t => t.Name));
        Assert.Equal([16, 784], tensors[0].Shape); // nn.Linear(784, 16).weight is [out, in]
        SafeTensors.Write(dir.File("copy.safetensors"), tensors, meta);
        Assert.Equal(File.ReadAllBytes(Fixture("model.safetensors")), File.ReadAllBytes(dir.File("copy.safetensors")));
    }

    [Fact]
    public void Export_then_import_gives_the_same_model_and_parameters_bit_for_bit()
    {
        using var dir = new TempDir();
        var spec = new ModelSpec { D = 7, Dz = 3, EncoderHidden = [5, 4], DecoderHidden = [6], Likelihood = Likelihood.Gaussian,
                                   Activation = Activation.Softplus, SigmoidMean = false };
        var ps = new ParameterSet(ModelLayout.For(spec));
        ps.Initialize(InitScheme.TorchUniform, 0.01f, new Rng(4, RngStream.Init));
        ModelWeights.Save(dir.File("m.safetensors"), spec, ps.Data);
        var (spec2, theta2) = ModelWeights.Load(dir.File("m.safetensors"));
        Assert.Equal(spec, spec2);
        Assert.True(ps.Data.AsSpan().SequenceEqual(theta2));
        // Layout W [in, out] row i, column o is PyTorch weight [out, in] row o, column i.
        var w = SafeTensors.Read(dir.File("m.safetensors")).Tensors.Single(t => t.Name == "decoder.mean.weight");
        Assert.Equal([7, 6], w.Shape);
        Assert.Equal(ps["dec.mean.W"][2 * 7 + 5], w.Data[5 * 6 + 2]);
    }

    [Fact]
    public void Training_can_start_from_an_exported_file_and_refuses_another_model()
    {
        using var dir = new TempDir();
        var data = Training.TrainerTests.Synthetic();
        var o = new TrainOptions { Dataset = "synthetic", Model = new ModelSpec { D = 24, Dz = 2, EncoderHidden = [16], DecoderHidden = [16] }, BatchSize = 20, Seed = 7 };
        var source = new Trainer(o, new ManagedBlas(), data);
        source.TrainSteps(30);
        ModelWeights.Save(dir.File("w.safetensors"), o.Model, source.Theta);
        var started = new Trainer(o with { Seed = 8, InitFrom = dir.File("w.safetensors") }, new ManagedBlas(), data);
        Assert.True(started.Theta.AsSpan().SequenceEqual(source.Theta));
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(o with { Model = o.Model with { Dz = 3 }, InitFrom = dir.File("w.safetensors") }, new ManagedBlas(), data));
        Assert.Contains("--init-from", ex.Message);
    }

    [Fact]
    public void Broken_safetensors_files_are_clear_errors_naming_the_file()
    {
        using var dir = new TempDir();
        var good = File.ReadAllBytes(Fixture("model.safetensors"));
        File.WriteAllBytes(dir.File("short.safetensors"), good.AsSpan(0, good.Length - 4).ToArray());
        var e1 = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(dir.File("short.safetensors")));
        Assert.Contains("short.safetensors", e1.Message);
        Assert.Contains("offsets", e1.Message);
        var bad = good.ToArray(); BinaryPrimitives.WriteUInt64LittleEndian(bad, 1UL << 40);
        File.WriteAllBytes(dir.File("len.safetensors"), bad);
        Assert.Contains("header length", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(dir.File("len.safetensors"))).Message);
        SafeTensors.Write(dir.File("nometa.safetensors"), [new NamedTensor("encoder.0.weight", [2, 3], new float[6])]);
        Assert.Contains("metadata 'd' is missing", Assert.Throws<InvalidDataException>(() => ModelWeights.Load(dir.File("nometa.safetensors"))).Message);
    }

    [Fact]
    public void Npy_files_carry_the_header_numpy_expects_and_read_back()
    {
        using var dir = new TempDir();
        var data = Enumerable.Range(0, 15).Select(i => i * 0.5f - 3f).ToArray();
        Npy.Write(dir.File("a.npy"), data, 3, 5);
        var b = File.ReadAllBytes(dir.File("a.npy"));
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, b[..8]);
        int hl = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8));
        Assert.Equal(0, (10 + hl) % 64); // data 64-byte aligned, as NumPy writes it
        string header = Encoding.ASCII.GetString(b, 10, hl);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + hl + 4 * 15, b.Length);
        Assert.Equal(-3f, BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(10 + hl)));
        var (back, r, c) = Npy.Read(dir.File("a.npy"));
        Assert.Equal((3, 5), (r, c));
        Assert.Equal(data, back);
        File.WriteAllBytes(dir.File("bad.npy"), b[..^4]);
        Assert.Contains("bad.npy", Assert.Throws<InvalidDataException>(() => Npy.Read(dir.File("bad.npy"))).Message);
    }
}
