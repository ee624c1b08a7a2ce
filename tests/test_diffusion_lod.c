/* test_diffusion_lod.c: placeholder. */
int main(void) { return 0; }
