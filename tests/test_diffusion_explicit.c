/* test_diffusion_explicit.c: placeholder. */
int main(void) { return 0; }
