/* test_diffusion_spectral.c: placeholder. */
int main(void) { return 0; }
