// header_cxx_link: a C++17 program that includes swish.h, links libswish.so and calls it, so the header's
// extern "C" block and the library's exports agree from C++ too. Also checks that the library linked is
// the version the header describes.
#include <swish.h>

#include <cstdio>
#include <cstring>

int main() {
    int failures = 0;
    if (std::strcmp(swish_version(), SWISH_VERSION_STRING) != 0) {
        std::printf("FAIL swish_version() is %s, the header says %s\n", swish_version(), SWISH_VERSION_STRING);
        failures++;
    }
    if (swish_version_number() != SWISH_VERSION_NUMBER) {
        std::printf("FAIL swish_version_number() is %d, the header says %d\n", swish_version_number(),
                    SWISH_VERSION_NUMBER);
        failures++;
    }
    const float values[] = {1, 2, 3, 4};
    const int64_t shape[] = {2, 2};
    swish_scope_begin();
    swish_tensor *x = swish_tensor_new(values, shape, 2);
    float s = swish_item(swish_sum(swish_matmul(x, x)));  // [[7, 10], [15, 22]] sums to 54
    swish_scope_end();
    if (!(s == 54.0f)) {  // also catches NaN
        std::printf("FAIL sum(x @ x) is %g, expected 54: %s\n", s, swish_last_error());
        failures++;
    }
    if (swish_live_handles() != 0) {
        std::printf("FAIL %lld handles left\n", static_cast<long long>(swish_live_handles()));
        failures++;
    }
    std::printf("header_cxx_link: version %s, %d failures\n", swish_version(), failures);
    return failures ? 1 : 0;
}
