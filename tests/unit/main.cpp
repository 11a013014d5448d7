#define BOOST_TEST_MODULE hamesh_unit
#include <boost/test/unit_test.hpp>
